using System.Globalization;
using ImageBuilder.Dockerfile.Syntax;

namespace ImageBuilder.Dockerfile.Instructions;

public static partial class InstructionParser
{
    private const long MinimumIntervalNanoseconds = 1_000_000;

    private static HealthcheckInstruction ParseHealthcheck(SyntaxNode node)
    {
        AtLeastOne(node, "HEALTHCHECK");
        var type = node.Arguments[0].ToUpperInvariant();
        var rest = node.Arguments.Skip(1).ToList();
        if (type == "NONE")
        {
            if (rest.Count != 0)
            {
                throw new InstructionException(ErrorCode.InvalidHealthcheck, "HEALTHCHECK NONE takes no arguments",
                    "write HEALTHCHECK NONE alone to disable the base image's check", atArguments: true);
            }

            return new HealthcheckInstruction(new HealthConfig(["NONE"], null, null, null, null, null));
        }

        // As in BuildKit, options are read only for CMD (HEALTHCHECK NONE ignores them).
        var flags = Flags(node, new BuilderFlagSet().String("interval").String("timeout").String("start-period")
            .String("start-interval").String("retries"));
        if (type != "CMD")
        {
            throw new InstructionException(ErrorCode.InvalidHealthcheck,
                $"Unknown type {GoQuote.Quote(type)} in HEALTHCHECK (try CMD)", Usage("HEALTHCHECK"), atArguments: true);
        }

        if (rest.Count == 0)
        {
            throw new InstructionException(ErrorCode.InvalidHealthcheck, "Missing command after HEALTHCHECK CMD",
                Usage("HEALTHCHECK"), atArguments: true);
        }

        var test = node.IsJson ? ["CMD", .. rest] : new List<string> { "CMD-SHELL", string.Join(' ', rest) };
        int? retries = null;
        if (flags.GetString("retries") is { Length: > 0 } text)
        {
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            {
                throw new InstructionException(ErrorCode.InvalidHealthcheck, $"invalid value for --retries: {text}",
                    "--retries takes a whole number, e.g. --retries=3");
            }

            if (n < 0)
            {
                throw new InstructionException(ErrorCode.InvalidHealthcheck, $"--retries cannot be negative ({n})",
                    "--retries takes a whole number, e.g. --retries=3");
            }

            retries = n;
        }

        return new HealthcheckInstruction(new HealthConfig(test,
            Interval(flags, "interval"), Interval(flags, "timeout"), Interval(flags, "start-period"),
            Interval(flags, "start-interval"), retries));
    }

    private static TimeSpan? Interval(BuilderFlagSet flags, string name)
    {
        if (flags.GetString(name) is not { Length: > 0 } text)
        {
            return null;
        }

        if (!GoDuration.TryParseNanoseconds(text, out var nanoseconds))
        {
            throw new InstructionException(ErrorCode.InvalidHealthcheck, $"time: invalid duration {GoQuote.Quote(text)} for --{name}",
                "durations look like 30s, 1m30s, 500ms or 1h");
        }

        if (nanoseconds < 0)
        {
            throw new InstructionException(ErrorCode.InvalidHealthcheck, $"Interval \"{name}\" cannot be negative",
                "durations look like 30s, 1m30s, 500ms or 1h");
        }

        if (nanoseconds != 0 && nanoseconds < MinimumIntervalNanoseconds)
        {
            throw new InstructionException(ErrorCode.InvalidHealthcheck, $"Interval \"{name}\" cannot be less than 1ms",
                "durations look like 30s, 1m30s, 500ms or 1h");
        }

        return TimeSpan.FromTicks(nanoseconds / 100);
    }

    /// <summary>Checks EXPOSE entries that hold no variables: <c>port[-port][/tcp|udp|sctp]</c>.</summary>
    private static void ValidatePorts(IReadOnlyList<string> ports)
    {
        for (var i = 0; i < ports.Count; i++)
        {
            var spec = ports[i];
            if (!spec.Contains('$') && !ExposedPort.TryParse(spec, out _))
            {
                throw new InstructionException(ErrorCode.InvalidPort, $"invalid port specification: {GoQuote.Quote(spec)}",
                    "write a port (80), a range (8000-8010), optionally with /tcp, /udp or /sctp", argumentIndex: i);
            }
        }
    }
}
