namespace ImageBuilder.Dockerfile.Instructions;

/// <summary>"Did you mean …?": the closest known name by edit distance, if close enough.</summary>
internal static class NameSuggestion
{
    public static string? Closest(string name, IEnumerable<string> candidates)
    {
        var lower = name.ToLowerInvariant();
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var d = Distance(lower, candidate.ToLowerInvariant());
            if (d < bestDistance)
            {
                best = candidate;
                bestDistance = d;
            }
        }

        // Accept up to a third of the word's length in edits (at least one).
        return best is not null && bestDistance <= Math.Max(1, lower.Length / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        if (a.Length > 64 || b.Length > 64)
        {
            return int.MaxValue;
        }

        // Optimal string alignment: insertions, deletions, substitutions and swaps of
        // neighbours each cost one, so "FORM" is one edit from "FROM".
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
