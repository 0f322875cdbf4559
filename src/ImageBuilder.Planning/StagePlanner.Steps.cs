using ImageBuilder.Dockerfile;
using ImageBuilder.Dockerfile.Instructions;
using ImageBuilder.Dockerfile.Shell;
using ImageBuilder.Dockerfile.Syntax;

namespace ImageBuilder.Planning;

internal sealed partial class StagePlanner
{
    private RunStep PlanRun(RunInstruction run)
    {
        if (run.Network == "host")
        {
            session.Require(Entitlement.NetworkHost, "RUN --network=host", run);
        }

        if (run.Security == "insecure")
        {
            session.Require(Entitlement.SecurityInsecure, "RUN --security=insecure", run);
        }

        var (argv, script) = RunArgv(run);
        var imageEnv = config.Env ?? [];
        var shadowed = imageEnv.Select(e => e.Split('=', 2)[0]).ToHashSet(StringComparer.Ordinal);
        var declared = args.Values().Where(a => !shadowed.Contains(a.Key)).Select(a => $"{a.Key}={a.Value}").ToList();
        var proxies = args.UndeclaredProxies().Where(a => !shadowed.Contains(a.Key)).Select(a => $"{a.Key}={a.Value}");
        var keyEnv = imageEnv.Concat(declared).ToList();
        var prefix = HistoryText.RunArgs(args.Declarations(), imageEnv);
        return new RunStep(
            argv, keyEnv.Concat(proxies).ToList(), keyEnv, config.WorkingDir is { Length: > 0 } wd ? wd : "/",
            NullIfEmpty(config.User), run.Network, PlanMounts(run), run.Security)
        {
            Instruction = run,
            Title = Title(run),
            CreatedBy = $"RUN {prefix}{string.Join(' ', argv)} # buildkit",
            Script = script,
        };
    }

    /// <summary>The RUN's mounts; an ssh mount without a target gets BuildKit's /run/buildkit/ssh_agent.N (N: its place among the ssh mounts).</summary>
    private List<PlannedMount> PlanMounts(RunInstruction run)
    {
        var planned = run.Mounts.Select(m => PlanMount(run, m)).ToList();
        var ssh = 0;
        for (var i = 0; i < planned.Count; i++)
        {
            if (planned[i].Mount.Type != "ssh")
            {
                continue;
            }

            var n = ssh++;
            if (string.IsNullOrEmpty(planned[i].Mount.Target))
            {
                planned[i] = planned[i] with { Target = $"/run/buildkit/ssh_agent.{n}" };
            }
        }

        return planned;
    }

    private PlannedMount PlanMount(RunInstruction run, string text)
    {
        RunMount mount;
        try
        {
            mount = RunMount.Parse(text);
        }
        catch (FormatException e)
        {
            throw new DockerfileException(ErrorCode.InvalidFlagValue, $"--mount={text}: {e.Message}", run.Span);
        }

        var target = mount.Target is { Length: > 0 } written ? written
            : mount.Type == "secret" ? "/run/secrets/" + (mount.Id ?? "")
            : mount.Type == "ssh" ? "/run/buildkit/ssh_agent.0"
            : throw new DockerfileException(ErrorCode.InvalidFlagValue, $"--mount={text}: a {mount.Type} mount needs target=", run.Span);
        if (mount.Type == "secret" && string.IsNullOrEmpty(mount.Id) && string.IsNullOrEmpty(mount.Target))
        {
            throw new DockerfileException(ErrorCode.InvalidFlagValue, $"--mount={text}: a secret mount needs id= or target=", run.Span);
        }

        CopySource from = new ContextSource();
        if (mount.From is { Length: > 0 } name && mount.Type is "bind" or "cache")
        {
            from = FromSource(name, run);
        }

        var workdir = config.WorkingDir is { Length: > 0 } wd ? wd : "/";
        return new PlannedMount(mount, ResolvePath(workdir, target), from);
    }

    /// <summary>
    /// What <c>--from=</c> names: a named context (one called like a stage replaces it), a stage of
    /// this build (a dependency), else an image.
    /// </summary>
    private CopySource FromSource(string from, Instruction instruction)
    {
        var other = session.AnyStage(from);
        var context = other is null ? session.NamedContext(from) : session.Replacing(other);
        if (context is DirectoryContext directory)
        {
            return new ContextSource(directory.Name);
        }

        if (context is ImageContext image)
        {
            return new ImageSource(session.FindImage(image.Reference, session.Options.Platform, instruction.Span));
        }

        if (other is not null)
        {
            if (other.Index == stage.Index)
            {
                throw new DockerfileException(ErrorCode.UnknownStage, $"--from={from} refers to the stage it is in", instruction.Span);
            }

            dependsOn.Add(other.Index);
            return new StageSource(other.Index);
        }

        // An image named by --from is an implicit stage of the build's target platform, as in BuildKit.
        return new ImageSource(session.FindImage(from, session.Options.Platform, instruction.Span));
    }

    /// <summary>
    /// The process to start. Heredocs follow BuildKit: <c>RUN &lt;&lt;EOF</c> alone runs the body as
    /// the shell's script; any other use hands the shell the command with its bodies re-attached.
    /// </summary>
    private (IReadOnlyList<string> Argv, RunScript? Script) RunArgv(RunInstruction run)
    {
        if (!run.Command.PrependShell)
        {
            return (run.Command.Arguments, null);
        }

        var command = string.Join(' ', run.Command.Arguments);
        if (run.Files.Count > 0)
        {
            var only = run.Files[0];
            if (run.Files.Count == 1 && IsSingleMarker(command))
            {
                var body = only.Chomp ? HeredocMarkers.Chomp(only.Data) : only.Data;
                if (body.StartsWith("#!", StringComparison.Ordinal))
                {
                    // Its own script, run by the interpreter its first line names, as BuildKit runs it.
                    var path = "/dev/pipes/" + (System.Text.RegularExpressions.Regex.IsMatch(only.Name, "^[A-Za-z0-9_-]+$") ? only.Name : "script");
                    return ([path], new RunScript(path, body));
                }

                command = body;
            }
            else
            {
                command += string.Concat(run.Files.Select(f => "\n" + f.Data + f.Name));
            }
        }

        return ([.. Shell, command], null);
    }

    private static bool IsSingleMarker(string command)
    {
        try
        {
            return command.Trim().StartsWith("<<", StringComparison.Ordinal) && !command.Trim().Contains(' ')
                && HeredocMarkers.Parse(command.Trim()) is not null;
        }
        catch (DockerfileException)
        {
            return false;
        }
    }

    private CopyStep PlanCopy(
        Instruction instruction, SourcesAndDest paths, string? from, string? chown, string? chmod,
        bool isAdd, bool unpack, string? checksum, bool link, bool parents, IReadOnlyList<string> excludes)
    {
        var source = from is { Length: > 0 } ? FromSource(from, instruction) : new ContextSource();

        var env = ExpansionEnvironment();
        var heredocLexer = new ShellLexer(session.Document.EscapeToken) { RawQuotes = true, RawEscapes = true };
        var contents = paths.SourceContents
            .Select(c => c.Expand ? c with { Data = heredocLexer.ProcessWord(c.Data, env) } : c)
            .ToList();
        var sourceText = string.Join(' ', paths.SourcePaths.Concat(paths.SourceContents.Select(c => "<<" + c.Name)));
        return new CopyStep(
            source, paths.SourcePaths, contents, paths.DestPath, config.WorkingDir is { Length: > 0 } wd ? wd : "/",
            chown, chmod, isAdd, unpack, checksum, link, parents, excludes)
        {
            Instruction = instruction,
            Title = Title(instruction),
            CreatedBy = $"{instruction.Keyword} {HistoryText.CopyFlags(parents, chown, chmod)}{sourceText} {paths.DestPath} # buildkit",
        };
    }
}
