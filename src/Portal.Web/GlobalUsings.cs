// Namespaces most files of this project use, imported once here instead of at the top of each file.
global using Portal.Data;
global using Portal.Data.Entities;
