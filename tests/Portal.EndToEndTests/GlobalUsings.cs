// Namespaces most files of this project use, imported once here instead of at the top of each file.
global using Microsoft.Playwright;
global using Portal.TestSupport;
global using System.Net;
global using System.Text.Json;
