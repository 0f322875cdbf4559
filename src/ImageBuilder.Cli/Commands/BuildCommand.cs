using System.IO.Abstractions;
using ImageBuilder.Application;
using ImageBuilder.Build.Engine;
using ImageBuilder.Cli.Progress;
using ImageBuilder.Dockerfile;
using ImageBuilder.Dockerfile.Checks;
using ImageBuilder.Dockerfile.Ignore;
using ImageBuilder.Dockerfile.Sources;
using ImageBuilder.Dockerfile.Syntax;
using ImageBuilder.Linux.Rootless;
using ImageBuilder.Planning;

namespace ImageBuilder.Cli.Commands;

/// <summary>
/// <c>ibuild build</c> (and <c>ibuild -f … CONTEXT</c>): reads the options and the Dockerfile, has
/// <see cref="BuildService"/> plan, run, store, name, export and push the image, and renders its
/// progress and any error.
/// </summary>
internal sealed class BuildCommand(BuildService builds, IFileSystem fileSystem, TextReader stdin, TextWriter stdout, TextWriter stderr)
{
    public const string Help = """
        Usage: ibuild build [options] CONTEXT
               ibuild [options] CONTEXT

        Builds the Dockerfile in CONTEXT (or -f FILE) into an image in the store.

          -f, --file FILE          the Dockerfile (default CONTEXT/Dockerfile; '-' reads stdin)
          -t, --tag NAME           name the image (repeatable)
          --build-arg K[=V]        set a build arg; K alone takes ibuild's environment variable
          --target STAGE           build this stage (default: the last)
          --build-context NAME=VALUE  a named context (repeatable) that FROM NAME, COPY --from=NAME
                           and RUN --mount=from=NAME use instead of a stage or image so named:
                           a directory, docker-image://REF or oci-layout://DIR[:TAG|@DIGEST]
          --no-cache               run every step again
          --label K=V              add a label to the image (repeatable)
          --platform P[,P...]      the target platform (default: this machine's); several build one
                           image each, named together as a multi-platform image (an OCI index);
                           another architecture's RUN steps run under QEMU (binfmt_misc)
          --iidfile FILE           write the image id to FILE
          -o, --output SPEC        also export: type=oci|docker|tar,dest=FILE or type=local,dest=DIR
                           (oci, docker: ,compression=gzip|zstd|uncompressed)
          --secret id=ID,src=FILE  a secret for RUN --mount=type=secret (or env=VAR); never stored
          --ssh ID[=SOCKET|KEY[,KEY]]  an ssh agent for RUN --mount=type=ssh (id=ID; default:
                           'default') and ADD of an ssh git remote: an agent's socket
                           ($SSH_AUTH_SOCK when no path) or private key files; the step
                           sees a socket that lists keys and signs, nothing more
          --network MODE           RUN's network: default (the build's own: outbound only, not the
                           host's loopback), host (the host's) or none
          --allow ENTITLEMENT      let the Dockerfile use network.host (RUN --network=host) or
                           security.insecure (RUN --security=insecure: every capability, no
                           syscall filter, nothing masked); repeatable or comma-separated;
                           --network host implies network.host
          -m, --memory M           memory limit of each RUN step (64m, 1g)
          --pids-limit N           process limit of each RUN step
          --cpus C                 CPU limit of each RUN step, in cores
          -j, --jobs N             steps run at once (default: twice the number of cores)
          --progress MODE          auto, plain, tty or quiet (prints only the image id)
          --trace FILE             write where the time went, per step and phase with bytes, as
                           Chrome trace-event JSON (open it in ui.perfetto.dev or chrome://tracing)
          --pull=POLICY            missing (default: pull images the store lacks), always or never
          --push                   push the image to its -t names
          -o type=registry,name=REF  push the image as REF
          --provenance MODE        a SLSA v1 provenance attestation (in-toto), attached as BuildKit
                           does: the image named as an index with an attestation manifest beside
                           it; mode=min (also true, 1): the request without build args, what
                           the build read (base images, ADD URLs by digest), when; mode=max:
                           also build args, labels, secret ids (never values), the steps, the
                           Dockerfile, each step's layers; false (or 0): none. Default: min for
                           --push, type=registry and type=oci; none for the store and the rest.
                           [,builder-id=URI]; --attest type=provenance,mode=... is the same
          --cache-to type=registry,ref=REF[,mode=min|max]  export the build cache to a registry
                           (min: the target stage's steps; max: every stage's);
                           type=local,dest=DIR[,mode=...]: to a directory (an OCI layout, for a CI cache);
                           ,mounts=true: with the content of the RUN --mount=type=cache directories
          --cache-from type=registry,ref=REF  import a build cache from a registry (repeatable);
                           type=local,src=DIR: from a directory
          --call NAME[,format=F]   answer instead of building (as docker buildx build --call;
                           nothing runs, nothing is stored): check (validate, as ibuild check;
                           exit 1 on an error or warning), outline (the target's build args with
                           their defaults and descriptions, its secrets and ssh ids), targets
                           (the stages and their descriptions); F: text (default) or json
                           (outline, targets). A description is the comment line above an ARG
                           or FROM that starts with its name: # VERSION the release to fetch
          --check                  short for --call=check
          --root DIR               the store
        """ + "\n" + RegistryOptions.Help;

    /// <summary>
    /// Whether a rootless build with these arguments enters its user namespace before it starts
    /// rather than when a step needs it: when it reads a pipe, a terminal or standard input (a
    /// Dockerfile, a secret), which a second start could not read again; and when it exports,
    /// pushes or exports its cache, work after the steps whose progress should not wait in
    /// <see cref="HeldOutput"/> (a tar or local export needs the namespace anyway). A command line
    /// that is not valid starts outside, which reports it.
    /// </summary>
    public static bool EntersUserNamespaceFirst(string[] args)
    {
        var reader = Reader();
        try
        {
            if (!reader.Read(args, maxPositionals: 1))
            {
                return false;
            }

            var secretFiles = reader.GetAll("--secret").Select(s => OptionFields.Parse(s, "--secret"))
                .Select(fields => fields.GetValueOrDefault("src") ?? fields.GetValueOrDefault("source"));
            return reader.Get("--output") is not null || reader.Get("--cache-to") is not null || reader.Has("--push") || reader.Get("--file") is "-"
                || secretFiles.Prepend(reader.Get("--file")).Any(file => file is { Length: > 0 } && UserNamespaceEntry.ReadableOnce(file));
        }
        catch (UsageException)
        {
            return false;
        }
    }

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var reader = Reader();
        if (!reader.Read(args, maxPositionals: 1))
        {
            await stdout.WriteLineAsync(Help);
            return CommandLineApp.Success;
        }

        ArchiveCommands.Require(reader, 1, "build needs a CONTEXT directory (use . for the current one)");
        var call = BuildCall.Read(reader);
        var settings = BuildSettings.Read(reader);
        var source = Locate(reader);
        var text = await ReadDockerfileAsync(source, cancellationToken);
        return text is null ? CommandLineApp.Failure
            : call.IsBuild ? await BuildAsync(reader, settings, source, text, cancellationToken)
            : await new BuildCallCommand(fileSystem, stdout, stderr).RunAsync(call, settings.Plan, source.DisplayName, text);
    }

    private static ArgumentReader Reader()
    {
        var reader = new ArgumentReader("build").Option("--file", "-f").Option("--tag", "-t").Option("--build-arg").Option("--target")
            .Switch("--no-cache").Option("--label").Option("--platform").Option("--iidfile").Option("--output", "-o").Option("--network")
            .Option("--memory", "-m").Option("--pids-limit").Option("--cpus").Option("--jobs", "-j").Option("--progress").Option("--secret")
            .Option("--pull").Switch("--push").Option("--cache-to").Option("--cache-from").Option("--allow")
            .Option("--trace").Option("--ssh").Option("--call").Switch("--check").Option("--build-context").Option("--provenance").Option("--attest");
        RegistryOptions.Declare(reader);
        return reader;
    }

    /// <summary>Where the context and the Dockerfile are, and the Dockerfile's name in messages.</summary>
    private sealed record DockerfileLocation(string ContextDir, string? File, string Path, string DisplayName)
    {
        /// <summary>The Dockerfile's path for the ignore file beside it; null when it comes from standard input.</summary>
        public string? IgnoreBeside => File == "-" ? null : Path;
    }

    private DockerfileLocation Locate(ArgumentReader reader)
    {
        var contextDir = fileSystem.Path.GetFullPath(reader.Positionals[0]);
        if (!fileSystem.Directory.Exists(contextDir))
        {
            throw new UsageException($"build: the context {reader.Positionals[0]} is not a directory");
        }

        var file = reader.Get("--file");
        var path = file is null or "-" ? fileSystem.Path.Combine(contextDir, DockerfileSource.DefaultName) : fileSystem.Path.GetFullPath(file);
        return new DockerfileLocation(contextDir, file, path, file ?? fileSystem.Path.Combine(reader.Positionals[0], DockerfileSource.DefaultName));
    }

    /// <summary>The Dockerfile's text, its ignore file checked; null (the diagnostics printed) when either is bad.</summary>
    private async Task<string?> ReadDockerfileAsync(DockerfileLocation source, CancellationToken cancellationToken)
    {
        try
        {
            var text = await DockerfileSource.ReadAsync(fileSystem, source.File, source.ContextDir, stdin, cancellationToken);

            // The ignore file is checked before anything runs (the build context reads it again when a step needs the context).
            DockerIgnoreFile.Load(fileSystem, source.ContextDir, source.IgnoreBeside);
            return text;
        }
        catch (DockerfileException e)
        {
            await DiagnosticRenderer.WriteAllAsync(stderr, e.Diagnostics, source.DisplayName, [], fileSystem);
            return null;
        }
    }

    private async Task<int> BuildAsync(
        ArgumentReader reader, BuildSettings settings, DockerfileLocation source, string text, CancellationToken cancellationToken)
    {
        var lines = DiagnosticRenderer.SplitLines(text);
        await using var live = Live(settings.Progress);
        IBuildProgress progress = settings.Progress == "quiet" ? new QuietProgress() : live is not null ? live : new PlainProgress(stderr);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var warnings = 0;
        var checks = CheckReport.Empty;
        try
        {
            // The parser's warnings (empty continuation lines) are the NoEmptyContinuation check's hits, reported with the checks.
            var document = DockerfileParser.Parse(text);

            // The build checks (BuildKit's rules): with check=error=true a hit stops the build before any step.
            var checkInput = CheckInputs.From(settings.Plan, DockerIgnoreFile.Load(fileSystem, source.ContextDir, source.IgnoreBeside)) with
            {
                BaseImageEnv = builds.StoredImageEnvironment(reader.Root, settings.Plan.Platform),
            };
            checks = BuildChecker.Run(SyntaxParser.Parse(text, []), checkInput);
            warnings += checks.Warnings.Count;
            if (checks.Failed)
            {
                await CheckReportRenderer.WriteAsync(stderr, checks, source.DisplayName, lines);
                return CommandLineApp.Failure;
            }

            var request = settings.ToRequest(reader.Root, source.ContextDir, source.IgnoreBeside, document) with
            {
                DockerfileText = text,
                DockerfileName = source.File is null or "-" ? DockerfileSource.DefaultName : fileSystem.Path.GetFileName(source.Path),
            };
            var result = await builds.BuildAsync(request, progress, warning =>
            {
                warnings++;
                stderr.WriteLine($"ibuild: warning: {warning}");
            }, cancellationToken);
            var built = result.Id;
            if (reader.Get("--iidfile") is { } iidFile)
            {
                await fileSystem.File.WriteAllTextAsync(iidFile, built.ToString(), cancellationToken);
            }

            if (settings.Progress == "quiet")
            {
                await stdout.WriteLineAsync(built.ToString());
            }
            else
            {
                await StopAsync(live);
                await WriteChecksAsync(checks, source.DisplayName, lines);
                await stderr.WriteLineAsync(BuildSummary.Succeeded(result, clock.Elapsed, warnings));
            }

            return CommandLineApp.Success;
        }
        catch (DockerfileException e)
        {
            await StopAsync(live);
            await DiagnosticRenderer.WriteAllAsync(stderr, e.Diagnostics, source.DisplayName, lines, fileSystem);
            return CommandLineApp.Failure;
        }
        catch (BuildException e)
        {
            await StopAsync(live);
            await stderr.WriteAsync(DiagnosticRenderer.Render(e.Diagnostic, source.DisplayName, lines));
            if (e.LastOutput.Count > 0)
            {
                await stderr.WriteLineAsync("the step's last output:");
                foreach (var line in e.LastOutput)
                {
                    await stderr.WriteLineAsync("  " + line);
                }
            }

            if (settings.Progress != "quiet")
            {
                await WriteChecksAsync(checks, source.DisplayName, lines);
                await stderr.WriteLineAsync(BuildSummary.Failed(clock.Elapsed, warnings));
            }

            return CommandLineApp.Failure;
        }
    }

    /// <summary>The build checks' hits, together at the end of the build, as buildx prints them.</summary>
    private async Task WriteChecksAsync(CheckReport checks, string displayName, IReadOnlyList<string> lines)
    {
        if (checks.Warnings.Count > 0)
        {
            await stderr.WriteLineAsync(checks.Warnings.Count == 1 ? "1 build-check warning:" : $"{checks.Warnings.Count} build-check warnings:");
            await CheckReportRenderer.WriteAsync(stderr, checks, displayName, lines);
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
