using ImageBuilder.Dockerfile;
using ImageBuilder.Dockerfile.Instructions;

namespace ImageBuilder.Planning.Subrequests;

public sealed partial class OutlineBuilder
{
    /// <summary>What a stage's FROM line says: the earlier stage it builds on (null: an image), the global ARGs it names.</summary>
    private sealed record StageHead(int? Base, IReadOnlySet<string> Used);

    private StageHead ReadFrom(Stage stage)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        var image = Expand(stage.From.Image, globalEnv, stage.From);
        used.UnionWith(image.Matched);
        if (stage.From.Platform is { } platform)
        {
            used.UnionWith(Expand(platform, globalEnv, stage.From).Matched);
        }

        var baseStage = document.Stages.Take(stage.Index)
            .LastOrDefault(s => string.Equals(s.Name, image.Result, StringComparison.OrdinalIgnoreCase));
        return new StageHead(baseStage?.Index, used);
    }

    /// <summary>The stages this stage's COPY --from and RUN --mount=from= name, in the order written.</summary>
    private IEnumerable<int> Dependencies(Stage stage)
    {
        var named = new List<string>();
        foreach (var instruction in stage.Commands)
        {
            if (instruction is CopyInstruction { From: { Length: > 0 } from })
            {
                named.Add(from);
            }
            else if (instruction is RunInstruction run)
            {
                // from= takes no variables, so the mount as written names the stage; a mount that does
                // not parse yet (a variable in another field) is read after expansion, and reported there.
                named.AddRange(run.Mounts.Select(TryParse).OfType<RunMount>().Select(m => m.From).OfType<string>().Where(f => f.Length > 0));
            }
        }

        return named.Select(document.FindStage).OfType<Stage>().Where(s => s.Index != stage.Index).Select(s => s.Index).Distinct().ToList();
    }

    private StageFacts ReadStage(Stage stage, StageHead head, IReadOnlyDictionary<string, string>? baseEnv)
    {
        var facts = new StageFacts(new Dictionary<string, ArgFacts>(globalArgs, StringComparer.Ordinal), head.Used,
            baseEnv is null ? new(StringComparer.Ordinal) : new(baseEnv, StringComparer.Ordinal));
        foreach (var instruction in stage.Commands)
        {
            switch (instruction)
            {
                case ArgInstruction arg:
                    DeclareStageArgs(arg, facts);
                    break;
                case EnvInstruction env:
                    foreach (var variable in ((EnvInstruction)expander.Expand(env, facts.Env)).Variables)
                    {
                        facts.Env[variable.Key] = variable.Value;
                    }

                    break;
                case RunInstruction run:
                    ReadMounts((RunInstruction)expander.Expand(run, facts.Env), facts);
                    break;
            }
        }

        return facts;
    }

    /// <summary>
    /// A stage's ARGs, as BuildKit dispatches them: each is used; its value is the build arg, else its
    /// default expanded, else the global ARG's value — and then the global ARG's own entry (its line and
    /// description) is the one listed.
    /// </summary>
    private void DeclareStageArgs(ArgInstruction arg, StageFacts facts)
    {
        foreach (var declaration in arg.Args)
        {
            var name = declaration.Name;
            var inherited = false;
            string? value = null;
            if (options.BuildArgs.TryGetValue(name, out var given))
            {
                value = given;
            }
            else if (declaration.DefaultValue is { } written)
            {
                value = Expand(written, facts.Env, arg).Result;
            }
            else if (globalEnv.TryGetValue(name, out var global))
            {
                value = global;
                inherited = true;
            }

            if (value is not null)
            {
                facts.Env[name] = value;
            }

            if (!inherited)
            {
                facts.Args[name] = new ArgFacts(new OutlineArg(name, value, declaration.Description, LineRange.Of(arg)), new HashSet<string>());
            }

            facts.Used.Add(name);
        }
    }

    private static void ReadMounts(RunInstruction run, StageFacts facts)
    {
        foreach (var text in run.Mounts)
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

            if (mount.Type == "secret" && SecretId(mount) is { } secret && facts.Secrets.All(s => s.Name != secret))
            {
                facts.Secrets.Add(new OutlineMount(secret, mount.Required, LineRange.Of(run)));
            }
            else if (mount.Type == "ssh" && mount.Id is { } ssh && facts.Ssh.All(s => s.Name != ssh))
            {
                facts.Ssh.Add(new OutlineMount(ssh, mount.Required, LineRange.Of(run)));
            }
        }
    }

    /// <summary>A secret's id as BuildKit names it: source=, else id=, else the target's last element (null: the build reports the mount).</summary>
    private static string? SecretId(RunMount mount) =>
        mount.Source is { Length: > 0 } source ? source
        : mount.Id is { Length: > 0 } id ? id
        : mount.Target?.TrimEnd('/') is { Length: > 0 } target ? target[(target.LastIndexOf('/') + 1)..]
        : mount.Target is { Length: > 0 } ? "/" : null;

    private static RunMount? TryParse(string mount)
    {
        try
        {
            return RunMount.Parse(mount);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>What one stage declares and uses, and its environment at its end (for the stages built FROM it).</summary>
    private sealed class StageFacts(Dictionary<string, ArgFacts> args, IReadOnlySet<string> used, Dictionary<string, string> env)
    {
        public Dictionary<string, ArgFacts> Args { get; } = args;

        public HashSet<string> Used { get; } = new(used, StringComparer.Ordinal);

        public Dictionary<string, string> Env { get; } = env;

        public List<OutlineMount> Secrets { get; } = [];

        public List<OutlineMount> Ssh { get; } = [];

        /// <summary>The ARGs used, with the global ARGs their defaults name (and theirs), in the order declared.</summary>
        public IEnumerable<OutlineArg> UsedArgs()
        {
            var pending = new Stack<string>(Used);
            var all = new HashSet<string>(StringComparer.Ordinal);
            while (pending.TryPop(out var name))
            {
                if (all.Add(name) && Args.TryGetValue(name, out var facts))
                {
                    foreach (var implied in facts.Names)
                    {
                        pending.Push(implied);
                    }
                }
            }

            return Args.Values.Where(a => all.Contains(a.Arg.Name)).Select(a => a.Arg);
        }
    }
}
