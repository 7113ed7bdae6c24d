// Namespaces most files of this project use, imported once here instead of at the top of each file.
global using Microsoft.EntityFrameworkCore;
global using Microsoft.EntityFrameworkCore.Metadata.Builders;
global using Portal.Data.Entities;
