// Namespaces most files of this project use, imported once here instead of at the top of each file.
global using Hangfire;
global using Microsoft.Extensions.Options;
global using Portal.Data.Entities;
global using Portal.Data.Media;
