using System.Runtime.InteropServices;
using ImageBuilder.Cli;
using ImageBuilder.Core.Layers;
using ImageBuilder.Linux.Rootless;

// An ordinary user's ibuild runs rootless: in a user namespace of its own (where it is root),
// which it enters by executing itself again. Most commands do that before anything else; build
// and the commands that only read the store start outside and enter when they turn out to need
// it (UserNamespaceRequiredException), so that a fully cached build does not pay for a second
// start. Root, and commands that need neither the store nor a container, go on here.
NamespaceHandOff.ReceiveAtStart();
var use = CommandLineApp.WhenToEnterUserNamespace(args);
var stdout = Console.Out;
var stderr = Console.Error;
if (use == UserNamespaceUse.First && !TryEnter(warned: false))
{
    return CommandLineApp.Failure;
}

var outside = use is UserNamespaceUse.WhenNeeded or UserNamespaceUse.WhenOpeningTheStore && HostMode.StartOutsideUserNamespace();
if (outside && HostMode.Current.EntryWarning is { } warning)
{
    stderr.WriteLine(warning);
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

// A build outside the namespace holds its output: if it needs the namespace after all, the
// build inside prints it again. The live view still sees a terminal (Console.Error is the held writer).
var held = outside && use == UserNamespaceUse.WhenNeeded ? new HeldOutput() : null;
if (held is not null)
{
    Console.SetOut(held.Out);
    Console.SetError(held.Error);
}

int exitCode;
try
{
    exitCode = await CommandLineApp.RunAsync(args, Console.In, Console.Out, Console.Error, cancel.Token);
}
catch (UserNamespaceRequiredException)
{
    // Only a process outside the namespace throws it; what it printed is dropped.
    Console.SetOut(stdout);
    Console.SetError(stderr);
    if (signalExit != 0)
    {
        stderr.WriteLine("ibuild: cancelled");
        return signalExit;
    }

    TryEnter(warned: true);
    return CommandLineApp.Failure;
}

Console.SetOut(stdout);
Console.SetError(stderr);
held?.Release(stdout, stderr);
return signalExit != 0 ? signalExit : exitCode;

// Execs ibuild again in the user namespace (as root: returns true at once); false when it cannot.
bool TryEnter(bool warned)
{
    try
    {
        UserNamespaceEntry.EnterIfNotRoot(args, stderr, warned);
        return true;
    }
    catch (RootlessException e)
    {
        stderr.WriteLine($"ibuild: {e.Message}");
        return false;
    }
}
