// Namespaces most files of this project use, imported once here instead of at the top of each file.
global using Portal.Inference.Actions;
