using System.Runtime.InteropServices;
using ImageBuilder.Cli;
using ImageBuilder.Linux.Rootless;

// An ordinary user's ibuild runs rootless: it execs itself again in a user namespace of its own
// (where it is root) before anything else happens. Root, and commands that need neither the
// store nor a container, go on here.
if (CommandLineApp.NeedsUserNamespace(args))
{
    try
    {
        UserNamespaceEntry.EnterIfNotRoot(args, Console.Error);
    }
    catch (RootlessException e)
    {
        Console.Error.WriteLine($"ibuild: {e.Message}");
        return CommandLineApp.Failure;
    }
}

// SIGINT and SIGTERM cancel the command: a running step is killed with its whole process
// tree, its mounts vanish with its namespace, scratch and cgroups are removed; then the
// exit code says which signal it was (130, 143), as shells expect.
using var cancel = new CancellationTokenSource();
var signalExit = 0;
void OnSignal(PosixSignalContext context, int code)
{
    context.Cancel = true;
    signalExit = code;
    cancel.Cancel();
}

using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => OnSignal(c, 130));
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => OnSignal(c, 143));
var exitCode = await CommandLineApp.RunAsync(args, Console.In, Console.Out, Console.Error, cancel.Token);
return signalExit != 0 ? signalExit : exitCode;
