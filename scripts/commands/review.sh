# help:   review mark|unmark VIDEO_ID [--track N]
# help:                      marks a track (or, without --track, every track) of the video's current run reviewed, or
# help:                      removes the mark: reviewed segments are training data (`./portal dataset export`)
cmd_review() {
  build_solution
  portal_database_env
  dotnet "$(build_output Portal.Web)/Portal.Web.dll" review "$@"
}
