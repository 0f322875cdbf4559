using ImageBuilder.Cli;
using ImageBuilder.Linux.Sandbox;

// The sandbox's init mode must run first, synchronously on the main thread, before anything
// touches Console or starts threads: it ends by exec'ing the step's command.
if (args is [SandboxOptions.InitVerb])
{
    return SandboxInit.Run();
}

return await CommandLineApp.RunAsync(args, Console.In, Console.Out, Console.Error, CancellationToken.None);
