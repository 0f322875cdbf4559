using System.Globalization;

namespace ImageBuilder.Application;

/// <summary>Sizes for people: 1.06MB the way docker prints image sizes, 64 MiB for memory limits.</summary>
public static class ByteSize
{
    private static readonly string[] DecimalUnits = ["B", "kB", "MB", "GB", "TB"];
    private static readonly string[] BinaryUnits = ["B", "KiB", "MiB", "GiB", "TiB"];

    /// <summary>Powers of 1000, no space: <c>1.06MB</c> (docker images).</summary>
    public static string Decimal(long bytes)
    {
        var (value, unit) = Scale(bytes, 1000, DecimalUnits);
        return unit == 0 ? $"{bytes}B" : value.ToString(value < 10 ? "0.##" : "0.#", CultureInfo.InvariantCulture) + DecimalUnits[unit];
    }

    /// <summary>Powers of 1024: <c>64 MiB</c>.</summary>
    public static string Binary(long bytes)
    {
        var (value, unit) = Scale(bytes, 1024, BinaryUnits);
        return value.ToString(value % 1 == 0 ? "0" : "0.##", CultureInfo.InvariantCulture) + " " + BinaryUnits[unit];
    }

    private static (double Value, int Unit) Scale(long bytes, double step, string[] units)
    {
        double value = bytes;
        var unit = 0;
        while (value >= step && unit < units.Length - 1)
        {
            value /= step;
            unit++;
        }

        return (value, unit);
    }
}
