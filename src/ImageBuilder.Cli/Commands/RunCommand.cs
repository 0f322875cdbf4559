using System.Text;
using ImageBuilder.Application;
using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Layers;

namespace ImageBuilder.Cli.Commands;

/// <summary>
/// <c>ibuild run</c>: the options read into a <see cref="RunRequest"/> for <see cref="RunService"/>,
/// output streamed, exit code passed on; 125 when the container could not be run.
/// </summary>
internal sealed class RunCommand(RunService runs, TextWriter stdout, TextWriter stderr)
{
    public const string Help = """
        Usage: ibuild run [--root DIR] [--network default|host|none] [--memory M] [--pids-limit N] [--cpus C]
                          [--user U] [--workdir D] [-e K=V]... [--platform P] IMAGE [CMD...]

        Runs CMD (default: the image's entrypoint and command) in a sandbox over IMAGE.
        Changes are discarded.

          --network MODE        default: a private network (outbound only, not the host's
                                loopback); host: the host's; none: only a loopback
          -u, --user U          name, uid, name:group or uid:gid (default: the image's user)
          -w, --workdir D       working directory, created when missing (default: the image's)
          -e, --env K=V         set a variable; -e K takes K from ibuild's environment
          -m, --memory M        memory limit (64m, 1g; the step is OOM-killed past it)
          --pids-limit N        at most N processes
          --cpus C              CPU time, in cores (0.5 = half a core)
          --platform P          which image of a multi-platform image (default: this machine's);
                                another architecture's runs under QEMU (binfmt_misc)
        """;

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var reader = new ArgumentReader("run").Option("--network").Option("--user", "-u").Option("--workdir", "-w").Option("--env", "-e")
            .Option("--memory", "-m").Option("--pids-limit").Option("--cpus").Option("--platform");
        if (!reader.Read(args, stopAtFirstPositional: true))
        {
            await stdout.WriteLineAsync(Help);
            return CommandLineApp.Success;
        }

        ArchiveCommands.Require(reader, 1, "run needs an IMAGE");
        var network = NetworkOption.Read(reader, "run");

        var request = new RunRequest(reader.Root, reader.Positionals[0], reader.Positionals.Skip(1).ToList())
        {
            Env = reader.GetAll("--env"),
            WorkingDirectory = reader.Get("--workdir"),
            User = reader.Get("--user"),
            Network = network,
            Limits = LimitOptions.Read(reader, "run"),
            Platform = ArchiveCommands.PlatformOption(reader, "run"),
        };
        try
        {
            await using var output = OutputStream(stdout, Console.OpenStandardOutput);
            await using var errors = OutputStream(stderr, Console.OpenStandardError);
            var result = await runs.RunAsync(request, output, errors, cancellationToken);
            if (result.OomKilled)
            {
                await stderr.WriteLineAsync(
                    $"ibuild: run: the command was killed by the kernel's OOM killer: memory limit {ByteSize.Binary(request.Limits!.MemoryBytes ?? 0)}");
            }

            return result.ExitCode;
        }
        catch (RunRefusedException e) when (e.Reason == RunRefusal.NoCommand)
        {
            throw new UsageException($"run: {e.Message}");
        }
        catch (RunRefusedException e)
        {
            await stderr.WriteLineAsync($"ibuild: run: {e.Message}");
            if (e.Hint is { } hint)
            {
                await stderr.WriteLineAsync($"  hint: {hint}");
            }

            return 125;
        }
    }

    /// <summary>The process's own descriptor when the writer is the console's, else a stream that decodes into the writer.</summary>
    private static Stream OutputStream(TextWriter writer, Func<Stream> console) =>
        writer == Console.Out || writer == Console.Error ? console() : new TextWriterStream(writer);

    /// <summary>Bytes in, text out: for callers (tests) that hand the CLI a <see cref="TextWriter"/>.</summary>
    private sealed class TextWriterStream(TextWriter writer) : ForwardWriteStream
    {
        private readonly Decoder decoder = Encoding.UTF8.GetDecoder();

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var chars = new char[decoder.GetCharCount(buffer, flush: false)];
            decoder.GetChars(buffer, chars, flush: false);
            lock (writer)
            {
                writer.Write(chars);
            }
        }

        public override void Flush() => writer.Flush();
    }
}
