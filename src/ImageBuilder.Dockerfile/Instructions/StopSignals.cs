using System.Globalization;

namespace ImageBuilder.Dockerfile.Instructions;

/// <summary>The signal names and numbers STOPSIGNAL accepts on Linux.</summary>
public static class StopSignals
{
    private static readonly Dictionary<string, int> Names = new(StringComparer.Ordinal)
    {
        ["ABRT"] = 6,
        ["ALRM"] = 14,
        ["BUS"] = 7,
        ["CHLD"] = 17,
        ["CLD"] = 17,
        ["CONT"] = 18,
        ["FPE"] = 8,
        ["HUP"] = 1,
        ["ILL"] = 4,
        ["INT"] = 2,
        ["IO"] = 29,
        ["IOT"] = 6,
        ["KILL"] = 9,
        ["PIPE"] = 13,
        ["POLL"] = 29,
        ["PROF"] = 27,
        ["PWR"] = 30,
        ["QUIT"] = 3,
        ["SEGV"] = 11,
        ["STKFLT"] = 16,
        ["STOP"] = 19,
        ["SYS"] = 31,
        ["TERM"] = 15,
        ["TRAP"] = 5,
        ["TSTP"] = 20,
        ["TTIN"] = 21,
        ["TTOU"] = 22,
        ["URG"] = 23,
        ["USR1"] = 10,
        ["USR2"] = 12,
        ["VTALRM"] = 26,
        ["WINCH"] = 28,
        ["XCPU"] = 24,
        ["XFSZ"] = 25,
        ["RTMIN"] = 34,
        ["RTMAX"] = 64,
    };

    /// <summary>The signal number for a name (<c>SIGTERM</c>, <c>term</c>, <c>RTMIN+3</c>) or number, or null.</summary>
    public static int? Parse(string signal)
    {
        // Like moby/sys/signal.ParseSignal: any non-zero integer is taken as it is.
        if (int.TryParse(signal, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            return number != 0 ? number : null;
        }

        var name = signal.ToUpperInvariant();
        if (name.StartsWith("SIG", StringComparison.Ordinal))
        {
            name = name[3..];
        }

        // The real-time names Linux's table has: RTMIN+1…RTMIN+15 and RTMAX-14…RTMAX-1.
        foreach (var (prefix, sign, most) in new[] { ("RTMIN+", 1, 15), ("RTMAX-", -1, 14) })
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal)
                && int.TryParse(name[prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                return offset is >= 1 && offset <= most ? Names[prefix[..5]] + (sign * offset) : null;
            }
        }

        return Names.TryGetValue(name, out var n) ? n : null;
    }

    internal static void Validate(string signal)
    {
        if (!signal.Contains('$') && Parse(signal) is null)
        {
            throw new InstructionException(ErrorCode.InvalidArgument, $"Invalid signal: {signal}",
                "use a signal name such as SIGTERM or SIGQUIT, or its number", atArguments: true);
        }
    }
}
