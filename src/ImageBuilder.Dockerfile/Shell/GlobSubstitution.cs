using System.Text;

namespace ImageBuilder.Dockerfile.Shell;

/// <summary>
/// The value-changing substitutions: <c>${v#p}</c>/<c>${v##p}</c> (drop the shortest or
/// longest matching prefix), <c>${v%p}</c>/<c>${v%%p}</c> (the same for suffixes) and
/// <c>${v/p/r}</c>/<c>${v//p/r}</c> (replace the first or every match).
/// </summary>
internal static class GlobSubstitution
{
    public static string TrimPrefix(string value, ShellPattern pattern, bool longest)
    {
        var text = CodePoints.From(value);
        var end = new GlobAutomaton(pattern).MatchFrom(text, 0, longest);
        return end <= 0 ? value : CodePoints.ToText(text.AsSpan(end));
    }

    /// <summary>
    /// Suffix trimming is prefix trimming on the reversed value. The caller passes the
    /// pattern parsed from its reversed text (see <see cref="ShellPattern.ReverseText"/>).
    /// </summary>
    public static string TrimSuffix(string value, ShellPattern reversedPattern, bool longest)
    {
        var text = CodePoints.From(value);
        var end = new GlobAutomaton(reversedPattern).MatchFrom(CodePoints.Reversed(text), 0, longest);
        return end <= 0 ? value : CodePoints.ToText(text.AsSpan(0, text.Length - end));
    }

    /// <summary>
    /// Replaces the leftmost match, or every match from left to right. Of the matches that
    /// start at the leftmost possible place the longest is taken, which is what BuildKit's
    /// greedy regular expression picks. Returns null when the result would exceed
    /// <paramref name="maxLength"/> characters.
    /// </summary>
    public static string? Replace(string value, ShellPattern pattern, string replacement, bool all, int maxLength)
    {
        var text = CodePoints.From(value);
        var starts = new GlobAutomaton(pattern.Reversed()).MatchStartsScanningBackwards(text);
        var forward = new GlobAutomaton(pattern);
        var first = Array.IndexOf(starts, true);
        if (first < 0)
        {
            return value;
        }

        var output = new StringBuilder(value.Length);
        if (!all)
        {
            var end = forward.MatchFrom(text, first, longest: true);
            CodePoints.Append(output, text.AsSpan(0, first));
            output.Append(replacement);
            CodePoints.Append(output, text.AsSpan(end));
            return output.Length > maxLength ? null : output.ToString();
        }

        // For every match BuildKit's replace-all expands $0 and ${0} in the replacement to the
        // matched text, $$ to $, and other $name references to nothing.
        var template = ReplacementTemplate.Parse(replacement);
        var lastEnd = 0;
        var searchFrom = 0;
        var candidate = first;
        while (searchFrom <= text.Length)
        {
            if (candidate < searchFrom)
            {
                candidate = Array.IndexOf(starts, true, searchFrom);
            }

            if (candidate < 0)
            {
                break;
            }

            var end = forward.MatchFrom(text, candidate, longest: true);
            CodePoints.Append(output, text.AsSpan(lastEnd, candidate - lastEnd));

            // An empty match right where the previous match ended is not replaced again.
            if (end > lastEnd || candidate == 0)
            {
                template.AppendTo(output, text.AsSpan(candidate, end - candidate));
            }

            if (output.Length > maxLength)
            {
                return null;
            }

            lastEnd = end;
            searchFrom = end > searchFrom ? end : searchFrom + 1;
        }

        CodePoints.Append(output, text.AsSpan(lastEnd));
        return output.Length > maxLength ? null : output.ToString();
    }
}
