# help:   dataset export [--owner EMAIL] --out DIR
# help:                      writes the reviewed training set (docs/formats.md) of every owner's, or one owner's,
# help:                      reviewed tracks into DIR (new or empty; relative to the directory you ran ./portal in)
cmd_dataset() {
  build_solution
  portal_database_env
  local dll
  dll="$(build_output Portal.Web)/Portal.Web.dll"
  # ./portal works from the repository root; OLDPWD is where it was called from, so --out means what the caller meant.
  (cd "${OLDPWD:-$ROOT}" && dotnet "$dll" dataset "$@")
}
