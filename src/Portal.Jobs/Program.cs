Console.WriteLine("worker host: not yet wired");
