using System.Globalization;
using ImageBuilder.Core.Oci;
using ImageBuilder.Dockerfile;
using ImageBuilder.Dockerfile.Instructions;

namespace ImageBuilder.Planning;

internal sealed partial class StagePlanner
{
    private void Dispatch(Instruction written)
    {
        var before = steps.Count;
        DispatchOne(written);
        for (var i = before; i < steps.Count; i++)
        {
            if (steps[i].ChangesFiles)
            {
                steps[i] = steps[i] with { Args = args.Values().ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal) };
            }
        }
    }

    private void DispatchOne(Instruction written)
    {
        var instruction = written is RunInstruction or CmdInstruction or EntrypointInstruction or ShellInstruction
            or HealthcheckInstruction or MaintainerInstruction or OnbuildInstruction
            ? written
            : session.Expander.Expand(written, ExpansionEnvironment());
        switch (instruction)
        {
            case ArgInstruction arg:
                foreach (var declaration in arg.Args)
                {
                    args.Declare(declaration.Name, declaration.DefaultValue);
                }

                AddConfigStep(arg, "ARG " + string.Join(' ', arg.Args.Select(a => a.DefaultValue is null ? a.Name : $"{a.Name}={a.DefaultValue}")));
                break;
            case EnvInstruction env:
                var entries = (config.Env ?? []).ToList();
                foreach (var variable in env.Variables)
                {
                    entries.RemoveAll(e => e.StartsWith(variable.Key + "=", StringComparison.Ordinal) || e == variable.Key);
                    entries.Add($"{variable.Key}={variable.Value}");
                }

                config = config with { Env = entries };
                AddConfigStep(env, "ENV " + string.Join(' ', env.Variables.Select(v => $"{v.Key}={v.Value}")));
                break;
            case LabelInstruction label:
                var labels = new SortedDictionary<string, string>(config.Labels?.ToDictionary() ?? [], StringComparer.Ordinal);
                foreach (var pair in label.Labels)
                {
                    labels[pair.Key] = pair.Value;
                }

                config = config with { Labels = labels };
                AddConfigStep(label, "LABEL " + string.Join(' ', label.Labels.Select(v => $"{v.Key}={v.Value}")));
                break;
            case WorkdirInstruction workdir:
                var path = ResolvePath(config.WorkingDir, workdir.Path);
                config = config with { WorkingDir = path };
                steps.Add(new WorkdirStep(path, NullIfEmpty(config.User)) { Instruction = workdir, Title = Title(workdir), CreatedBy = "WORKDIR " + path });
                break;
            case UserInstruction user:
                config = config with { User = user.User };
                AddConfigStep(user, "USER " + user.User);
                break;
            case CmdInstruction cmd:
                config = config with { Cmd = CommandArgv(cmd.Command) };
                cmdSet = true;
                AddConfigStep(cmd, "CMD " + GoList(config.Cmd!));
                break;
            case EntrypointInstruction entrypoint:
                config = config with { Entrypoint = CommandArgv(entrypoint.Command), Cmd = cmdSet ? config.Cmd : null };
                AddConfigStep(entrypoint, "ENTRYPOINT " + GoList(config.Entrypoint!));
                break;
            case ExposeInstruction expose:
                var ports = (config.ExposedPorts ?? []).ToList();
                foreach (var port in expose.Ports.SelectMany(p => ExpandPorts(p, expose)))
                {
                    if (!ports.Contains(port))
                    {
                        ports.Add(port);
                    }
                }

                config = config with { ExposedPorts = ports.Order(StringComparer.Ordinal).ToList() };
                AddConfigStep(expose, "EXPOSE " + GoPlainList(expose.Ports.SelectMany(p => ExpandPorts(p, expose))));
                break;
            case VolumeInstruction volume:
                config = config with { Volumes = (config.Volumes ?? []).Union(volume.Volumes).Order(StringComparer.Ordinal).ToList() };
                AddConfigStep(volume, "VOLUME " + GoPlainList(volume.Volumes));
                break;
            case StopSignalInstruction signal:
                config = config with { StopSignal = signal.Signal };
                AddConfigStep(signal, "STOPSIGNAL " + signal.Signal);
                break;
            case HealthcheckInstruction health:
                config = config with { Healthcheck = ToHealthCheck(health.Health) };
                AddConfigStep(health, "HEALTHCHECK " + HistoryText.Healthcheck(health.Health));
                break;
            case ShellInstruction shell:
                config = config with { Shell = shell.Shell };
                AddConfigStep(shell, "SHELL " + GoPlainList(shell.Shell));
                break;
            case OnbuildInstruction onbuild:
                // As in BuildKit, ONBUILD only records the trigger: no history entry.
                config = config with { OnBuild = (config.OnBuild ?? []).Append(onbuild.Expression).ToList() };
                break;
            case MaintainerInstruction maintainer:
                author = maintainer.Maintainer;
                AddConfigStep(maintainer, "MAINTAINER " + maintainer.Maintainer);
                break;
            case RunInstruction run:
                steps.Add(PlanRun(run));
                break;
            case CopyInstruction copy:
                GitSources.RefuseInCopy(copy);
                steps.Add(PlanCopy(copy, copy.Paths, copy.From, copy.Chown, copy.Chmod, isAdd: false, unpack: false, null, copy.Link, copy.Parents, copy.Excludes));
                break;
            case AddInstruction add:
                var planned = PlanCopy(add, add.Paths, null, add.Chown, add.Chmod, isAdd: true, add.Unpack ?? true, add.Checksum, add.Link, false, add.Excludes);
                steps.Add(planned with { Repositories = GitSources.Plan(add) });
                break;
            default:
                throw new DockerfileException(ErrorCode.NotImplemented, $"{instruction.Keyword} is not supported by the build engine yet", instruction.Span);
        }
    }

    private void AddConfigStep(Instruction instruction, string createdBy) =>
        steps.Add(new ConfigStep { Instruction = instruction, Title = Title(instruction), CreatedBy = createdBy });

    private IReadOnlyDictionary<string, string>? FinalLabels()
    {
        if (!IsTarget || session.Options.Labels.Count == 0)
        {
            return config.Labels;
        }

        var labels = new SortedDictionary<string, string>(config.Labels?.ToDictionary() ?? [], StringComparer.Ordinal);
        foreach (var (key, value) in session.Options.Labels)
        {
            labels[key] = value;
        }

        return labels;
    }

    private IReadOnlyList<string> CommandArgv(CommandLine command) =>
        command.PrependShell ? [.. Shell, string.Join(' ', command.Arguments)] : command.Arguments;

    /// <summary>WORKDIR: relative to the previous one, cleaned like Go's path.Clean.</summary>
    internal static string ResolvePath(string? current, string path)
    {
        var combined = path.StartsWith('/') ? path : $"{(string.IsNullOrEmpty(current) ? "/" : current)}/{path}";
        var parts = new List<string>();
        foreach (var part in combined.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
            }
            else if (part != ".")
            {
                parts.Add(part);
            }
        }

        return "/" + string.Join('/', parts);
    }

    private static IEnumerable<string> ExpandPorts(string spec, Instruction at)
    {
        if (!ExposedPort.TryParse(spec, out var port))
        {
            throw new DockerfileException(ErrorCode.InvalidPort, $"invalid port \"{spec}\"", at.Span);
        }

        for (var p = port.Start; p <= port.End; p++)
        {
            yield return $"{p.ToString(CultureInfo.InvariantCulture)}/{port.Protocol}";
        }
    }

    private static HealthCheck ToHealthCheck(HealthConfig health) => new()
    {
        Test = health.Test,
        Interval = Nanoseconds(health.Interval),
        Timeout = Nanoseconds(health.Timeout),
        StartPeriod = Nanoseconds(health.StartPeriod),
        StartInterval = Nanoseconds(health.StartInterval),
        Retries = health.Retries ?? 0,
    };

    private static long Nanoseconds(TimeSpan? span) => span is { } s ? s.Ticks * 100 : 0;

    /// <summary>A list as Go's <c>%q</c> prints a string slice: <c>["a" "b"]</c> (BuildKit's history text for CMD and ENTRYPOINT).</summary>
    private static string GoList(IEnumerable<string> values) => "[" + string.Join(' ', values.Select(v => $"\"{v}\"")) + "]";

    /// <summary>A list as Go's <c>%v</c> prints a string slice: <c>[a b]</c> (BuildKit's history text for SHELL, VOLUME, EXPOSE).</summary>
    internal static string GoPlainList(IEnumerable<string> values) => "[" + string.Join(' ', values) + "]";

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
