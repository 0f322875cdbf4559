using System.IO.Abstractions;
using System.Security.Cryptography;
using ImageBuilder.Build.Context;
using ImageBuilder.Build.Engine;
using ImageBuilder.Build.Machine;
using ImageBuilder.Cli.Progress;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Dockerfile;
using ImageBuilder.Dockerfile.Ignore;
using ImageBuilder.Dockerfile.Sources;
using ImageBuilder.Linux.Cgroups;
using ImageBuilder.Linux.Sandbox;
using ImageBuilder.Planning;

namespace ImageBuilder.Cli.Commands;

/// <summary><c>ibuild build</c> (and <c>ibuild -f … CONTEXT</c>): plan, run, store, name and export an image.</summary>
internal sealed partial class BuildCommand(StoreCommands store, IFileSystem fileSystem, TextReader stdin, TextWriter stdout, TextWriter stderr)
{
    public const string Help = """
        Usage: ibuild build [options] CONTEXT
               ibuild [options] CONTEXT

        Builds the Dockerfile in CONTEXT (or -f FILE) into an image in the store.

          -f, --file FILE          the Dockerfile (default CONTEXT/Dockerfile; '-' reads stdin)
          -t, --tag NAME           name the image (repeatable)
          --build-arg K[=V]        set a build arg; K alone takes ibuild's environment variable
          --target STAGE           build this stage (default: the last)
          --no-cache               run every step again
          --label K=V              add a label to the image (repeatable)
          --platform P             the target platform (only this machine's: linux/amd64 here)
          --iidfile FILE           write the image id to FILE
          -o, --output SPEC        also export: type=oci|docker|tar,dest=FILE or type=local,dest=DIR
                           (oci, docker: ,compression=gzip|zstd|uncompressed)
          --secret id=ID,src=FILE  a secret for RUN --mount=type=secret (or env=VAR); never stored
          --network MODE           RUN's network: default (the host's), host or none
          --allow ENTITLEMENT      let the Dockerfile use network.host (RUN --network=host); repeatable
                           or comma-separated; --network host implies it
          -m, --memory M           memory limit of each RUN step (64m, 1g)
          --pids-limit N           process limit of each RUN step
          --cpus C                 CPU limit of each RUN step, in cores
          -j, --jobs N             steps run at once (default: twice the number of cores)
          --progress MODE          auto, plain, tty or quiet (prints only the image id)
          --pull=POLICY            missing (default: pull images the store lacks), always or never
          --push                   push the image to its -t names
          -o type=registry,name=REF  push the image as REF
          --cache-to type=registry,ref=REF[,mode=min|max]  export the build cache to a registry
                           (min: the target stage's steps; max: every stage's)
          --cache-from type=registry,ref=REF  import a build cache from a registry (repeatable)
          --root DIR               the store
        """ + "\n" + Registries.RegistryAccess.OptionsHelp;

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var reader = new ArgumentReader("build").Option("--file", "-f").Option("--tag", "-t").Option("--build-arg").Option("--target")
            .Switch("--no-cache").Option("--label").Option("--platform").Option("--iidfile").Option("--output", "-o").Option("--network")
            .Option("--memory", "-m").Option("--pids-limit").Option("--cpus").Option("--jobs", "-j").Option("--progress").Option("--secret")
            .Option("--pull").Switch("--push").Option("--cache-to").Option("--cache-from").Option("--allow");
        Registries.RegistryAccess.Declare(reader);
        if (!reader.Read(args, maxPositionals: 1))
        {
            await stdout.WriteLineAsync(Help);
            return CommandLineApp.Success;
        }

        ArchiveCommands.Require(reader, 1, "build needs a CONTEXT directory (use . for the current one)");
        var settings = BuildSettings.Read(reader);
        var contextDir = fileSystem.Path.GetFullPath(reader.Positionals[0]);
        if (!fileSystem.Directory.Exists(contextDir))
        {
            throw new UsageException($"build: the context {reader.Positionals[0]} is not a directory");
        }

        var file = reader.Get("--file");
        var dockerfilePath = file is null or "-" ? fileSystem.Path.Combine(contextDir, DockerfileSource.DefaultName) : fileSystem.Path.GetFullPath(file);
        var displayName = file ?? fileSystem.Path.Combine(reader.Positionals[0], DockerfileSource.DefaultName);
        string text;
        try
        {
            text = await DockerfileSource.ReadAsync(fileSystem, file, contextDir, stdin, cancellationToken);

            // The ignore file is checked before anything runs (the build context reads it again when a step needs the context).
            DockerIgnoreFile.Load(fileSystem, contextDir, file == "-" ? null : dockerfilePath);
        }
        catch (DockerfileException e)
        {
            await DiagnosticRenderer.WriteAllAsync(stderr, e.Diagnostics, displayName, [], fileSystem);
            return CommandLineApp.Failure;
        }

        var lines = DiagnosticRenderer.SplitLines(text);
        await using var live = Live(settings.Progress);
        IBuildProgress progress = settings.Progress == "quiet" ? new QuietProgress() : live is not null ? live : new PlainProgress(stderr);
        try
        {
            var document = DockerfileParser.Parse(text);
            foreach (var warning in document.Warnings)
            {
                await stderr.WriteLineAsync($"{displayName}:{warning.Span.StartLine}: warning: {warning.Message}");
            }

            var contentStore = store.Open(reader.Root);
            CgroupScope.RemoveStale();
            contentStore.RemoveStaleTemporaries();
            // Held until the image is tagged, exported and pushed: a prune waits, so it never takes
            // the blobs, snapshots and cache records this build wrote or reused before they are named.
            using var protect = contentStore.ProtectNewContent();
            using var registries = Registries.RegistryAccess.From(reader, "build");
            var plan = new Planner(ImageSource(contentStore, registries, settings, progress)).Plan(document, settings.Plan);
            foreach (var warning in plan.Warnings)
            {
                await stderr.WriteLineAsync($"ibuild: warning: {warning}");
            }

            await ImportCacheAsync(contentStore, registries, settings, progress, cancellationToken);
            var engine = new BuildEngine(contentStore, LinuxMachine.Create(contentStore, SandboxOptions.ForCurrentProgram()), progress);
            var statCache = contentStore.StatCachePath(contextDir);
            var built = await engine.BuildAsync(
                plan, () => BuildContext.Load(contextDir, file == "-" ? null : dockerfilePath, statCache), settings.Engine, cancellationToken);

            var names = settings.Tags.Select(StoreCommands.ParseReference).ToList();
            if (names.Count == 0)
            {
                contentStore.Tag(built.Manifest, null);
            }

            foreach (var name in names)
            {
                contentStore.Tag(built.Manifest, name);
            }

            progress.Note("naming the image", names.Select(n => $"naming to {n}").Prepend($"writing image {built.Id}"));
            if (settings.Output is { Type: not "registry" } output)
            {
                await ExportAsync(contentStore, built, names, output, progress, cancellationToken);
            }

            await PushAsync(contentStore, registries, plan, built, names, settings, progress, cancellationToken);
            if (reader.Get("--iidfile") is { } iidFile)
            {
                await fileSystem.File.WriteAllTextAsync(iidFile, built.Id.ToString(), cancellationToken);
            }

            if (settings.Progress == "quiet")
            {
                await stdout.WriteLineAsync(built.Id.ToString());
            }

            return CommandLineApp.Success;
        }
        catch (DockerfileException e)
        {
            await StopAsync(live);
            await DiagnosticRenderer.WriteAllAsync(stderr, e.Diagnostics, displayName, lines, fileSystem);
            return CommandLineApp.Failure;
        }
        catch (BuildException e)
        {
            await StopAsync(live);
            await stderr.WriteAsync(DiagnosticRenderer.Render(e.Diagnostic, displayName, lines));
            if (e.LastOutput.Count > 0)
            {
                await stderr.WriteLineAsync("the step's last output:");
                foreach (var line in e.LastOutput)
                {
                    await stderr.WriteLineAsync("  " + line);
                }
            }

            return CommandLineApp.Failure;
        }
    }

    private static async Task StopAsync(LiveProgress? live)
    {
        if (live is not null)
        {
            await live.DisposeAsync();
        }
    }

    /// <summary>The live view when asked for (tty), or when auto and stderr is a terminal (the test host's writer is not).</summary>
    private LiveProgress? Live(string mode) =>
        mode == "tty" || (mode == "auto" && stderr == Console.Error && !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") is not (null or "dumb"))
            ? new LiveProgress(LiveProgress.ErrorConsole())
            : null;
}
