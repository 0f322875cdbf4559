using ImageBuilder.Cli;

return await CommandLineApp.RunAsync(args, Console.In, Console.Out, Console.Error, CancellationToken.None);
