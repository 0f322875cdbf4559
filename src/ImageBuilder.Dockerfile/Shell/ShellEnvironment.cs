namespace ImageBuilder.Dockerfile.Shell;

/// <summary>Builds the variable map the lexer reads from <c>NAME=value</c> entries.</summary>
public static class ShellEnvironment
{
    /// <summary>
    /// Turns <c>NAME=value</c> entries into a case-sensitive map the way BuildKit does: the
    /// value is everything after the first <c>=</c>, an entry without <c>=</c> names a
    /// variable whose value is empty, and a later entry for the same name replaces an earlier one.
    /// </summary>
    public static IReadOnlyDictionary<string, string> FromPairs(IEnumerable<string> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                map[pair] = string.Empty;
            }
            else
            {
                map[pair[..equals]] = pair[(equals + 1)..];
            }
        }

        return map;
    }
}
