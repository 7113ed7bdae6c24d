# help:   user add EMAIL [--admin]
# help:                      add an account (User, or Admin) to the portal's database, also while `./portal run` runs;
# help:                      prints its generated password once, alone on the last line
cmd_user() {
  build_solution
  portal_database_env
  dotnet "$(build_output Portal.Web)/Portal.Web.dll" user "$@"
}
