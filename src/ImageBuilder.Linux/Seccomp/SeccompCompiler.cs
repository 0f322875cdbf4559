using ImageBuilder.Linux.Native;
using Comparison = ImageBuilder.Linux.Native.SeccompFilterBuilder.ArgumentComparison;

namespace ImageBuilder.Linux.Seccomp;

/// <summary>
/// Turns a profile into a BPF program the way Docker and runc do: the rules Docker keeps for
/// the capability set, architecture and kernel (<see cref="SeccompProfile.RulesFor"/>), the
/// architectures of the archMap, each syscall name resolved by libseccomp (one it does not
/// know is skipped, as runc skips it), a rule whose action is the default one left out,
/// conditions on distinct arguments ANDed in one rule and conditions on the same argument
/// split into one rule each (runc's reading: the rule matches when any of them holds).
/// </summary>
internal static class SeccompCompiler
{
    private const int Eperm = 1;

    public static SeccompProgram Compile(SeccompProfile profile, ulong capabilities, SeccompTarget target)
    {
        var document = profile.Document;
        var defaultAction = Action(document.DefaultAction, document.DefaultErrnoRet);
        var unknown = new SortedSet<string>(StringComparer.Ordinal);
        try
        {
            using var filter = new SeccompFilterBuilder(defaultAction);
            filter.PreferBinaryTree(); // a layout, not a decision: linear when this libseccomp cannot
            foreach (var architecture in profile.ArchitecturesFor(target))
            {
                if (!filter.AddArchitecture(architecture))
                {
                    throw new SeccompException($"libseccomp does not know the architecture {architecture}");
                }
            }

            foreach (var rule in profile.RulesFor(capabilities, target))
            {
                var action = Action(rule.Action, rule.ErrnoRet);
                if (action == defaultAction)
                {
                    continue; // libseccomp refuses it (EACCES), and it changes nothing
                }

                foreach (var name in rule.AllNames)
                {
                    if (filter.ResolveSyscall(name) is not { } number)
                    {
                        unknown.Add(name);
                        continue;
                    }

                    foreach (var conditions in ConditionSets(rule.Args ?? []))
                    {
                        filter.AddRule(action, number, conditions, name);
                    }
                }
            }

            var program = filter.ExportBpf();
            return program.Length == 0 || program.Length % SeccompProgram.InstructionSize != 0
                || program.Length / SeccompProgram.InstructionSize > SeccompProgram.MaxInstructions
                ? throw new SeccompException($"libseccomp made a program of {program.Length} bytes, which the kernel would refuse")
                : new SeccompProgram(program, [.. unknown]);
        }
        catch (SeccompException e)
        {
            throw new SeccompException($"{profile.Name}: {e.Message}", e);
        }
        catch (DllNotFoundException e)
        {
            throw new SeccompException($"{profile.Name}: libseccomp (libseccomp.so.2, Debian's libseccomp2) is not installed", e);
        }
    }

    /// <summary>The SCMP_ACT_* value of an action name; ERRNO and TRACE carry errnoRet (EPERM when absent, as in runc).</summary>
    internal static uint Action(string name, uint? errnoRet)
    {
        var data = (errnoRet ?? Eperm) & 0xffff;
        return name switch
        {
            "SCMP_ACT_KILL" or "SCMP_ACT_KILL_THREAD" => 0x00000000,
            "SCMP_ACT_KILL_PROCESS" => 0x80000000,
            "SCMP_ACT_TRAP" => 0x00030000,
            "SCMP_ACT_ERRNO" => 0x00050000 | data,
            "SCMP_ACT_TRACE" => 0x7ff00000 | data,
            "SCMP_ACT_LOG" => 0x7ffc0000,
            "SCMP_ACT_ALLOW" => 0x7fff0000,
            _ => throw new SeccompException($"the action {name} is not supported"),
        };
    }

    /// <summary>libseccomp's SCMP_CMP_* value of an operator name.</summary>
    internal static int Operator(string name) => name switch
    {
        "SCMP_CMP_NE" => 1,
        "SCMP_CMP_LT" => 2,
        "SCMP_CMP_LE" => 3,
        "SCMP_CMP_EQ" => 4,
        "SCMP_CMP_GE" => 5,
        "SCMP_CMP_GT" => 6,
        "SCMP_CMP_MASKED_EQ" => 7,
        _ => throw new SeccompException($"the argument operator {name} is not supported"),
    };

    /// <summary>One set of conditions (all on distinct arguments), or one set per condition when an argument repeats.</summary>
    private static IEnumerable<Comparison[]> ConditionSets(IReadOnlyList<SeccompArgumentCondition> args)
    {
        var comparisons = args.Select(a => a.Index <= 5
            ? new Comparison(a.Index, Operator(a.Op), a.Value, a.ValueTwo)
            : throw new SeccompException($"argument index {a.Index} is out of range (0-5)")).ToArray();
        return comparisons.Select(c => c.Argument).Distinct().Count() == comparisons.Length
            ? [comparisons]
            : comparisons.Select(c => new[] { c });
    }
}
