using System.Globalization;

namespace ImageBuilder.Linux.Cgroups;

/// <summary>
/// What one build step may use. A null member means "no limit of that kind"; a scope only
/// touches the controllers whose limit is set (plus whatever it needs to kill the step).
/// </summary>
public sealed record ResourceLimits(long? MemoryBytes = null, int? PidsLimit = null, double? Cpus = null)
{
    /// <summary>The CFS period ibuild uses, in microseconds (the kernel's default).</summary>
    public const long CpuPeriodMicroseconds = 100_000;

    /// <summary>The smallest quota the kernel accepts, in microseconds.</summary>
    private const long MinimumCpuQuotaMicroseconds = 1_000;

    /// <summary>The most <c>--cpus</c> takes: far above any machine, and its quota still fits the kernel's (2^44 µs) and a long.</summary>
    public const int MaximumCpus = 1_000_000;

    public static ResourceLimits None { get; } = new();

    /// <summary>
    /// Parses a memory size the way <c>--memory</c> takes it: plain bytes, or a number with a
    /// binary suffix k, m, g or t (case-insensitive, an optional trailing "b" as in "64mb").
    /// </summary>
    public static long ParseMemory(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = text.Trim().ToLowerInvariant();
        if (value.EndsWith('b') && value.Length > 1 && !char.IsDigit(value[^2]))
        {
            value = value[..^1];
        }

        long multiplier = 1;
        if (value.Length > 0 && char.IsLetter(value[^1]))
        {
            multiplier = value[^1] switch
            {
                'k' => 1L << 10,
                'm' => 1L << 20,
                'g' => 1L << 30,
                't' => 1L << 40,
                _ => throw new FormatException($"'{text}' is not a memory size: unknown unit '{value[^1]}' (use k, m, g or t)"),
            };
            value = value[..^1];
        }

        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number <= 0)
        {
            throw new FormatException($"'{text}' is not a memory size: expected a positive whole number with an optional k, m, g or t");
        }

        try
        {
            return checked(number * multiplier);
        }
        catch (OverflowException)
        {
            throw new FormatException($"'{text}' is too large a memory size");
        }
    }

    /// <summary>Parses <c>--cpus</c>: a positive decimal number of CPUs such as "0.5" or "2".</summary>
    public static double ParseCpus(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        // "NaN" and "Infinity" parse as doubles whatever the NumberStyles: only a finite number in range is a number of CPUs.
        if (!double.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var cpus)
            || !double.IsFinite(cpus) || cpus <= 0)
        {
            throw new FormatException($"'{text}' is not a number of CPUs: expected a positive decimal such as 0.5 or 2");
        }

        if (cpus > MaximumCpus)
        {
            throw new FormatException($"'{text}' is more CPUs than a limit can say (at most {MaximumCpus})");
        }

        return cpus;
    }

    /// <summary>The CFS quota for <see cref="Cpus"/> per <see cref="CpuPeriodMicroseconds"/> (0.5 → 50000).</summary>
    public long? CpuQuotaMicroseconds => Cpus is { } cpus
        ? Math.Max(MinimumCpuQuotaMicroseconds, (long)Math.Round(cpus * CpuPeriodMicroseconds, MidpointRounding.AwayFromZero))
        : null;

    /// <summary>Throws when a limit the kernel would refuse (or misread) was asked for.</summary>
    internal void Validate()
    {
        if (MemoryBytes is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryBytes), MemoryBytes, "a memory limit must be positive");
        }

        if (PidsLimit is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(PidsLimit), PidsLimit, "a pids limit must be positive");
        }

        if (Cpus is { } cpus && (cpus <= 0 || double.IsNaN(cpus) || double.IsInfinity(cpus)))
        {
            throw new ArgumentOutOfRangeException(nameof(Cpus), Cpus, "a CPU limit must be a positive number");
        }
    }
}
