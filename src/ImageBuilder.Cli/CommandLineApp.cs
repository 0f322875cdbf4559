using System.IO.Abstractions;
using ImageBuilder.Application;
using ImageBuilder.Cli.Commands;
using ImageBuilder.Core.Archives;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;
using ImageBuilder.Linux.Rootless;
using ImageBuilder.Registry;

namespace ImageBuilder.Cli;

/// <summary>
/// The <c>ibuild</c> command line: picks the command, turns every failure into one
/// message and an exit code. No stack trace ever reaches the user.
/// </summary>
internal static class CommandLineApp
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    public const string Usage = """
        Usage: ibuild <command> [options]
               ibuild [build options] CONTEXT      (short for ibuild build)

        Commands:
          build [-f FILE] [-t NAME]... [options] CONTEXT   build an image from a Dockerfile
          check [-f FILE] [--dump] [CONTEXT]   parse and validate a Dockerfile without building
          graph [-f FILE] [--target T] [--format dot|mermaid|svg] CONTEXT   the build's stages, steps and dependencies as a graph
          images                               list the images in the store
          inspect IMAGE                        print an image's id, names, manifest and config
          inspect --layers IMAGE               what each layer holds: sizes, largest files, wasted bytes, efficiency
          history IMAGE                        show an image's history (as docker history)
          tag SOURCE TARGET                    give an image another name
          rmi IMAGE...                         remove names or images
          prune                                delete what no tagged image uses
          fsck [--repair]                      check the store; --repair removes what is broken
          info                                 how ibuild runs here (root or rootless, store, ids, network, cgroups, kernel)
          load [-i FILE]                       load images from a docker or OCI archive or layout (default: stdin)
          save [-o FILE] [--format docker|oci] IMAGE...   write images to an archive (default: stdout)
          import ROOTFS.tar[.gz] [-t NAME]     make a one-layer image from a root filesystem
          run [--network default|host|none] [-u U] [-w D] [-e K=V]... IMAGE [CMD...]   run a command in an image (changes discarded)
          pull [--platform P] REF              pull an image from a registry
          push IMAGE [DEST]                    push an image to a registry; prints its digest
          login [-u USER] [-p PASS | --password-stdin] REGISTRY   check and save credentials
          logout REGISTRY                      remove saved credentials

        Options:
          --root DIR       the store (default $IBUILD_ROOT, else /var/lib/ibuild as root and
                           $XDG_DATA_HOME/ibuild or ~/.local/share/ibuild rootless); before or after the command
          -h, --help       show help (also after a command: ibuild check --help)
          --version        print the version

        Run 'ibuild <command> --help' for a command's options.
        """;

    public static async Task<int> RunAsync(
        string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken,
        IFileSystem? fileSystem = null)
    {
        fileSystem ??= new FileSystem();
        try
        {
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                await stdout.WriteLineAsync(Usage.AsMemory(), cancellationToken);
                return args.Length == 0 ? UsageError : Success;
            }

            if (args[0] == "--version")
            {
                await stdout.WriteLineAsync($"ibuild {typeof(CommandLineApp).Assembly.GetName().Version}".AsMemory(), cancellationToken);
                return Success;
            }

            var (command, rest) = SplitCommand(args);
            var services = ApplicationServices.ForThisMachine(fileSystem, Console.OpenStandardOutput);
            var code = await DispatchAsync(command, rest, services, fileSystem, stdin, stdout, stderr, cancellationToken);
            await WarnSkippedDeviceNodesAsync(stderr);
            return code;
        }
        catch (Exception e) when (e is not UserNamespaceRequiredException)
        {
            await WarnSkippedDeviceNodesAsync(stderr);
            return await ReportAsync(e, stderr);
        }
    }

    /// <summary>Rootless: the device nodes of layers a user namespace could not create (left out of snapshots, as Podman does).</summary>
    private static async Task WarnSkippedDeviceNodesAsync(TextWriter stderr)
    {
        var skipped = SkippedDeviceNodes.TakeAll();
        if (skipped.Count > 0)
        {
            var shown = string.Join(", ", skipped.Take(5)) + (skipped.Count > 5 ? $" and {skipped.Count - 5} more" : "");
            await stderr.WriteLineAsync(
                $"ibuild: warning: rootless: {skipped.Count} device node(s) left out (a user namespace cannot create device nodes; as with Podman, "
                + $"containers and layers built here lack them, while imported or pulled layers keep them in their blobs): {shown}");
        }
    }

    /// <summary>
    /// When an ordinary user's ibuild enters its user namespace (rootless mode) for this command
    /// line. Help, --version, check, login and logout touch neither the store nor a container and
    /// never do; nor does a command line that is not valid. build, images, inspect, tag, save and
    /// push start outside and enter only when they need to (a fully cached build, or reading the
    /// store, never does): starting an ordinary user's ibuild again in a user namespace costs 10–16 ms,
    /// most of a cached build's time. Some builds enter first (<see cref="BuildCommand.EntersUserNamespaceFirst"/>),
    /// and so does every other command.
    /// </summary>
    public static UserNamespaceUse WhenToEnterUserNamespace(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help" or "--version")
        {
            return UserNamespaceUse.Never;
        }

        try
        {
            var (command, rest) = SplitCommand(args);
            // Only help asked right after the command name: a later -h may be the container
            // command's own (ibuild run IMAGE df -h), and help inside the namespace is harmless.
            var own = rest.SkipWhile((arg, i) => arg == "--root" || arg.StartsWith("--root=", StringComparison.Ordinal) || (i > 0 && rest[i - 1] == "--root"));
            return command switch
            {
                "check" or "login" or "logout" => UserNamespaceUse.Never,
                _ when own.FirstOrDefault() is "-h" or "--help" => UserNamespaceUse.Never,
                "build" => BuildCommand.EntersUserNamespaceFirst(rest) ? UserNamespaceUse.First : UserNamespaceUse.WhenNeeded,
                // Reading layers packs snapshots again, whose files may belong to the namespace's ids.
                "inspect" when rest.Contains("--layers") => UserNamespaceUse.First,
                "images" or "inspect" or "tag" or "save" or "push" or "graph" => UserNamespaceUse.WhenOpeningTheStore,
                _ => UserNamespaceUse.First,
            };
        }
        catch (UsageException)
        {
            return UserNamespaceUse.Never;
        }
    }


    /// <summary>
    /// The command and its arguments. Global options before the command name are handed to the
    /// command ("--root DIR build ..."); "ibuild -f Dockerfile -t app:1 ." is "ibuild build -f Dockerfile -t app:1 .".
    /// </summary>
    private static (string Command, string[] Arguments) SplitCommand(string[] args)
    {
        var global = new List<string>();
        var at = 0;
        while (at < args.Length && (args[at] == "--root" || args[at].StartsWith("--root=", StringComparison.Ordinal)))
        {
            global.Add(args[at]);
            if (args[at] == "--root")
            {
                global.Add(at + 1 < args.Length ? args[++at] : throw new UsageException("--root needs a directory"));
            }

            at++;
        }

        if (at >= args.Length)
        {
            throw new UsageException("no command given");
        }

        var shorthand = args[at].StartsWith('-');
        return (shorthand ? "build" : args[at], global.Concat(args[(shorthand ? at : at + 1)..]).ToArray());
    }

    /// <summary>Runs one command: its options read, one service called, its result rendered.</summary>
    private static async Task<int> DispatchAsync(
        string command, string[] rest, ApplicationServices services, IFileSystem fileSystem, TextReader stdin, TextWriter stdout, TextWriter stderr,
        CancellationToken cancellationToken)
    {
        var store = new StoreCommands(services.Stores, stdout);
        var archives = new ArchiveCommands(services, stdout, Console.OpenStandardInput, Console.OpenStandardOutput);
        var registries = new RegistryCommands(services.Registries, stdin, stdout, stderr);
        return command switch
        {
            "build" => await new BuildCommand(services.Builds, fileSystem, stdin, stdout, stderr).RunAsync(rest, cancellationToken),
            "check" => await new CheckCommand(fileSystem, stdin, stdout, stderr).RunAsync(rest, cancellationToken),
            "graph" => await new GraphCommand(services.Graphs, fileSystem, stdin, stdout, stderr).RunAsync(rest, cancellationToken),
            "images" => await store.ImagesAsync(rest),
            "inspect" => await archives.InspectAsync(rest, cancellationToken),
            "history" => await new HistoryCommand(services.Layers, stdout, () => DateTimeOffset.UtcNow).RunAsync(rest, cancellationToken),
            "tag" => await store.TagAsync(rest),
            "rmi" => await store.RmiAsync(rest, stderr),
            "prune" => await store.PruneAsync(rest),
            "fsck" => await new FsckCommand(services.Stores, stdout).RunAsync(rest, cancellationToken),
            "info" => await new InfoCommand(services.Info, stdout).RunAsync(rest),
            "load" => await archives.LoadAsync(rest, cancellationToken),
            "save" => await archives.SaveAsync(rest, cancellationToken),
            "import" => await archives.ImportAsync(rest, cancellationToken),
            "run" => await new RunCommand(services.Runs, stdout, stderr).RunAsync(rest, cancellationToken),
            "pull" => await registries.PullAsync(rest, cancellationToken),
            "push" => await registries.PushAsync(rest, cancellationToken),
            "login" => await registries.LoginAsync(rest, cancellationToken),
            "logout" => await registries.LogoutAsync(rest, cancellationToken),
            _ => await UnknownCommandAsync(command, stderr),
        };
    }

    /// <summary>Any failure as one message and an exit code: 2 for usage, 130 when cancelled, else 1. Never a stack trace.</summary>
    private static async Task<int> ReportAsync(Exception e, TextWriter stderr)
    {
        switch (e)
        {
            case RegistryException or StoreException or RootlessException or SshAgentException or ArchiveFormatException or LayerFormatException or OciFormatException or InvalidDataException
                or IOException or UnauthorizedAccessException:
                await stderr.WriteLineAsync($"ibuild: {e.Message}");
                return Failure;
            case UsageException:
                await stderr.WriteLineAsync($"ibuild: {e.Message}");
                await stderr.WriteLineAsync("Run 'ibuild --help' for usage.");
                return UsageError;
            case OperationCanceledException:
                await stderr.WriteLineAsync("ibuild: cancelled");
                return 130;
            default:
                await stderr.WriteLineAsync($"ibuild: internal error: {e.GetType().Name}: {e.Message}");
                return Failure;
        }
    }

    private static async Task<int> UnknownCommandAsync(string command, TextWriter stderr)
    {
        await stderr.WriteLineAsync($"ibuild: unknown command \"{command}\"");
        await stderr.WriteLineAsync("Run 'ibuild --help' for the list of commands.");
        return UsageError;
    }
}

/// <summary>When an ordinary user's ibuild enters its user namespace (see <see cref="CommandLineApp.WhenToEnterUserNamespace"/>).</summary>
public enum UserNamespaceUse
{
    /// <summary>Never: the command needs neither the store nor a container.</summary>
    Never,

    /// <summary>
    /// When the command needs it (<see cref="Core.Layers.UserNamespaceRequiredException"/>), which may be
    /// after it printed progress: it starts outside, its output held, and runs again inside.
    /// </summary>
    WhenNeeded,

    /// <summary>
    /// When the store it opens is new, another's, or holds a killed build's scratch: before it
    /// prints anything, so its output is not held.
    /// </summary>
    WhenOpeningTheStore,

    /// <summary>Before the command starts.</summary>
    First,
}

/// <summary>Bad command-line arguments: printed with a pointer to --help, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
