# help:   token create EMAIL [NAME]
# help:                      a new personal API token for the account (send it as Authorization: Bearer TOKEN);
# help:                      prints it once, alone on the last line; revoke it on the Tokens page
cmd_token() {
  build_solution
  portal_database_env
  dotnet "$(build_output Portal.Web)/Portal.Web.dll" token "$@"
}
