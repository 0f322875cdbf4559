using ImageBuilder.Linux.Cgroups;
using System.Security.Cryptography;
using System.Text;
using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Store;
using ImageBuilder.Linux.Layers;
using ImageBuilder.Linux.Mounts;
using ImageBuilder.Linux.Sandbox;

namespace ImageBuilder.Cli.Commands;

/// <summary>
/// <c>ibuild run</c>: runs a command in an image of the store through the build sandbox, output
/// streamed, exit code passed on, changes thrown away (the upper dir lives in a scratch dir of
/// the store, named for this process, so a later run removes it even after a kill -9).
/// </summary>
internal sealed class RunCommand(StoreCommands store, TextWriter stdout, TextWriter stderr, SandboxOptions? options = null)
{
    public const string Help = """
        Usage: ibuild run [--root DIR] [--network host|none] [--memory M] [--pids-limit N] [--cpus C]
                          [--user U] [--workdir D] [-e K=V]... IMAGE [CMD...]

        Runs CMD (default: the image's entrypoint and command) in a sandbox over IMAGE.
        Changes are discarded.

          --network host|none   share the host's network (default) or only a loopback
          -u, --user U          name, uid, name:group or uid:gid (default: the image's user)
          -w, --workdir D       working directory, created when missing (default: the image's)
          -e, --env K=V         set a variable; -e K takes K from ibuild's environment
          -m, --memory M        memory limit (64m, 1g; the step is OOM-killed past it)
          --pids-limit N        at most N processes
          --cpus C              CPU time, in cores (0.5 = half a core)
        """;

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var reader = new ArgumentReader("run").Option("--network").Option("--user", "-u").Option("--workdir", "-w").Option("--env", "-e")
            .Option("--memory", "-m").Option("--pids-limit").Option("--cpus");
        if (!reader.Read(args, stopAtFirstPositional: true))
        {
            await stdout.WriteLineAsync(Help);
            return CommandLineApp.Success;
        }

        ArchiveCommands.Require(reader, 1, "run needs an IMAGE");
        var network = reader.Get("--network") ?? "host";
        if (network is not ("host" or "none"))
        {
            throw new UsageException($"run: --network must be host or none, not {network}");
        }

        var limits = LimitOptions.Read(reader, "run");
        var contentStore = store.Open(reader.Root);
        // The scratch dir is in use while the step runs: keep the store's clean-up away from it.
        using var protect = contentStore.ProtectNewContent();
        CgroupScope.RemoveStale();

        var image = contentStore.ResolveImage(reader.Positionals[0]);
        var config = image.Config.Config;
        var command = reader.Positionals.Count > 1 ? reader.Positionals.Skip(1).ToList() : (config?.Cmd ?? []).ToList();
        var argv = (config?.Entrypoint ?? []).Concat(command).ToList();
        if (argv.Count == 0)
        {
            throw new UsageException("run: the image has no command; give one after IMAGE");
        }

        if (image.Manifest.Layers.Count > OverlayLimits.MaxLowerLayers)
        {
            await stderr.WriteLineAsync(
                $"ibuild: run: {BuildErrors.TooManyLayers.Id()}: {reader.Positionals[0]} has {image.Manifest.Layers.Count} layers, " +
                $"but overlayfs stacks at most {OverlayLimits.MaxLowerLayers} (OVL_MAX_STACK): the image cannot be mounted");
            await stderr.WriteLineAsync("  hint: rebuild it with fewer layers (combine RUN steps, or build FROM a base image with fewer layers)");
            return 125;
        }

        // Snapshots that a prune or an fsck repair removed come back from the layer blobs.
        var snapshots = await contentStore.UnpackSnapshotsAsync(
            image.Manifest.Layers, image.Config.RootFs.DiffIds, new LayerUnpacker(new FileTreeWriter()), cancellationToken);
        var lowerDirs = snapshots.Reverse().ToList();

        var scratch = Path.Combine(contentStore.Root, "ibuild", "tmp", $"{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}");
        var upper = Directory.CreateDirectory(Path.Combine(scratch, "upper")).FullName;
        var work = Directory.CreateDirectory(Path.Combine(scratch, "work")).FullName;
        var spec = new SandboxSpec(
            lowerDirs, upper, work, scratch, argv, MergeEnv(config?.Env ?? [], reader.GetAll("--env")),
            reader.Get("--workdir") ?? (string.IsNullOrEmpty(config?.WorkingDir) ? "/" : config.WorkingDir),
            reader.Get("--user") ?? config?.User, network == "none", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)), limits);
        try
        {
            await using var output = OutputStream(stdout, Console.OpenStandardOutput);
            await using var errors = OutputStream(stderr, Console.OpenStandardError);
            var sandbox = new Sandbox(options ?? SandboxOptions.ForCurrentProgram());
            var result = await sandbox.RunAsync(spec, output, errors, cancellationToken);
            if (result.OomKilled)
            {
                await stderr.WriteLineAsync(
                    $"ibuild: run: the command was killed by the kernel's OOM killer: memory limit {ByteSize.Binary(limits!.MemoryBytes ?? 0)}");
            }

            return result.ExitCode;
        }
        catch (SandboxException e)
        {
            await stderr.WriteLineAsync($"ibuild: run: {e.Message}");
            return 125;
        }
        finally
        {
            try
            {
                Directory.Delete(scratch, recursive: true);
            }
            catch (IOException)
            {
                // Left for the next run's clean-up of stale scratch dirs.
            }
        }
    }

    /// <summary>The image's variables, then each -e in order (K=V replaces K; a bare K copies ibuild's own).</summary>
    internal static List<string> MergeEnv(IReadOnlyList<string> imageEnv, IReadOnlyList<string> overrides)
    {
        var env = imageEnv.ToList();
        foreach (var item in overrides)
        {
            var eq = item.IndexOf('=');
            var key = eq < 0 ? item : item[..eq];
            var value = eq < 0 ? Environment.GetEnvironmentVariable(key) : item[(eq + 1)..];
            env.RemoveAll(e => e == key || e.StartsWith(key + "=", StringComparison.Ordinal));
            if (value is not null)
            {
                env.Add($"{key}={value}");
            }
        }

        return env;
    }

    /// <summary>The process's own descriptor when the writer is the console's, else a stream that decodes into the writer.</summary>
    private static Stream OutputStream(TextWriter writer, Func<Stream> console) =>
        writer == Console.Out || writer == Console.Error ? console() : new TextWriterStream(writer);

    /// <summary>Bytes in, text out: for callers (tests) that hand the CLI a <see cref="TextWriter"/>.</summary>
    private sealed class TextWriterStream(TextWriter writer) : Stream
    {
        private readonly Decoder decoder = Encoding.UTF8.GetDecoder();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            var chars = new char[decoder.GetCharCount(buffer, offset, count)];
            decoder.GetChars(buffer, offset, count, chars, 0);
            lock (writer)
            {
                writer.Write(chars);
            }
        }

        public override void Flush() => writer.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
