using System.Globalization;
using ImageBuilder.Dockerfile.Syntax;

namespace ImageBuilder.Dockerfile.Instructions;

public static partial class InstructionParser
{
    private static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(1);

    private static HealthcheckInstruction ParseHealthcheck(SyntaxNode node)
    {
        var flags = Flags(node, new BuilderFlagSet().String("interval").String("timeout").String("start-period")
            .String("start-interval").String("retries"));
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

        if (!GoDuration.TryParse(text, out var value))
        {
            throw new InstructionException(ErrorCode.InvalidHealthcheck, $"time: invalid duration {GoQuote.Quote(text)} for --{name}",
                "durations look like 30s, 1m30s, 500ms or 1h");
        }

        if (value < TimeSpan.Zero)
        {
            throw new InstructionException(ErrorCode.InvalidHealthcheck, $"Interval \"{name}\" cannot be negative",
                "durations look like 30s, 1m30s, 500ms or 1h");
        }

        if (value != TimeSpan.Zero && value < MinimumInterval)
        {
            throw new InstructionException(ErrorCode.InvalidHealthcheck, $"Interval \"{name}\" cannot be less than 1ms",
                "durations look like 30s, 1m30s, 500ms or 1h");
        }

        return value;
    }

    /// <summary>Checks EXPOSE entries that hold no variables: <c>port[-port][/tcp|udp|sctp]</c>.</summary>
    private static void ValidatePorts(IReadOnlyList<string> ports)
    {
        foreach (var spec in ports)
        {
            if (spec.Contains('$'))
            {
                continue;
            }

            if (!ExposedPort.TryParse(spec, out _))
            {
                throw new InstructionException(ErrorCode.InvalidPort, $"invalid port specification: {GoQuote.Quote(spec)}",
                    "write a port (80), a range (8000-8010), optionally with /tcp, /udp or /sctp", atArguments: true);
            }
        }
    }
}
