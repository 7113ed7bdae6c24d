// Namespaces most files of this project use, imported once here instead of at the top of each file.
global using Portal.Inference.Actions;
global using Portal.Inference.Frames;
global using Portal.Inference.ModelCards;
global using Portal.Inference.Onnx;
global using System.CommandLine;
global using System.Diagnostics;
global using System.Globalization;
