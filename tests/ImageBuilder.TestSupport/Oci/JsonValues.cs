using System.Globalization;
using System.Text.Json;

namespace ImageBuilder.TestSupport.Oci;

/// <summary>JSON value comparisons as JSON Schema defines them (numbers by value, objects unordered).</summary>
internal static class JsonValues
{
    public static bool IsIntegral(JsonElement number) =>
        number.TryGetDecimal(out var exact)
            ? decimal.Truncate(exact) == exact
            : double.TryParse(number.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out var approximate)
                && double.IsFinite(approximate) && Math.Floor(approximate) == approximate;

    public static int CompareNumbers(JsonElement left, JsonElement right) =>
        left.TryGetDecimal(out var leftExact) && right.TryGetDecimal(out var rightExact)
            ? leftExact.CompareTo(rightExact)
            : AsDouble(left).CompareTo(AsDouble(right));

    public static bool IsMultipleOf(JsonElement number, JsonElement divisor)
    {
        if (number.TryGetDecimal(out var exact) && divisor.TryGetDecimal(out var exactDivisor) && exactDivisor != 0)
        {
            return exact % exactDivisor == 0;
        }

        var quotient = AsDouble(number) / AsDouble(divisor);
        return double.IsFinite(quotient) && Math.Abs(quotient - Math.Round(quotient)) < 1e-9;
    }

    public static bool AreEqual(JsonElement left, JsonElement right)
    {
        if (left.ValueKind != right.ValueKind)
        {
            return false;
        }

        switch (left.ValueKind)
        {
            case JsonValueKind.Number:
                return CompareNumbers(left, right) == 0;
            case JsonValueKind.String:
                return left.GetString() == right.GetString();
            case JsonValueKind.Array:
                return left.GetArrayLength() == right.GetArrayLength()
                    && left.EnumerateArray().Zip(right.EnumerateArray()).All(pair => AreEqual(pair.First, pair.Second));
            case JsonValueKind.Object:
                var leftMembers = LastWins(left);
                var rightMembers = LastWins(right);
                return leftMembers.Count == rightMembers.Count
                    && leftMembers.All(member => rightMembers.TryGetValue(member.Key, out var other) && AreEqual(member.Value, other));
            default:
                return true; // true, false, null: the kind says it all
        }
    }

    private static Dictionary<string, JsonElement> LastWins(JsonElement element)
    {
        var members = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var member in element.EnumerateObject())
        {
            members[member.Name] = member.Value;
        }

        return members;
    }

    private static double AsDouble(JsonElement number) =>
        double.Parse(number.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture);
}
