using System.Runtime.InteropServices;
using ImageBuilder.Cli;

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
