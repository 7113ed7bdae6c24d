// Namespaces most files of this project use, imported once here instead of at the top of each file.
global using Microsoft.Extensions.DependencyInjection;
global using Portal.Data.Entities;
global using Portal.TestSupport;
global using Portal.Web.Videos;
global using System.Diagnostics;
global using System.Net;
global using System.Net.Http.Json;
global using System.Text.Json;
