namespace ImageBuilder.Planning;

/// <summary>
/// The query form of a git source (<c>repo.git?ref=v1&amp;subdir=docs</c>), read as BuildKit reads
/// it: each key at most once, <c>tag</c> and <c>branch</c> become full refs, and a value that
/// contradicts the fragment (<c>#v1?ref=v2</c>) is an error.
/// </summary>
internal static class GitQuery
{
    public static GitReference Apply(GitReference git, string query)
    {
        if (query.Length == 0)
        {
            return git;
        }

        string? tag = null;
        string? branch = null;
        foreach (var (key, values) in Parse(query))
        {
            if (values.Count > 1)
            {
                throw new FormatException($"query \"{key}\" has multiple values");
            }

            var value = values[0];
            if (value.Length == 0 && key is not ("submodules" or "keep-git-dir" or "fetch-by-commit"))
            {
                throw new FormatException($"query \"{key}\" has no value");
            }

            switch (key)
            {
                case "ref":
                    git = git with { Ref = Agree(git.Ref, value, "ref") };
                    break;
                case "tag":
                    tag = value;
                    break;
                case "branch":
                    branch = value;
                    break;
                case "subdir":
                    git = git with { SubDir = Agree(git.SubDir is "" ? null : git.SubDir, GitReference.CleanSubDir(value), "subdir") };
                    break;
                case "checksum" or "commit":
                    git = git with { Checksum = value };
                    break;
                case "keep-git-dir":
                    git = git with { KeepGitDir = Bool(key, value) };
                    break;
                case "submodules":
                    git = git with { Submodules = Bool(key, value) };
                    break;
                case "fetch-by-commit":
                    git = git with { FetchByCommit = Bool(key, value) };
                    break;
                case "mtime":
                    git = git with
                    {
                        CommitTime = value switch
                        {
                            "commit" => true,
                            "checkout" => false,
                            _ => throw new FormatException($"invalid mtime value: \"{value}\" (must be \"checkout\" or \"commit\")"),
                        },
                    };
                    break;
                default:
                    throw new FormatException($"unexpected query \"{key}\"");
            }
        }

        if (tag is not null)
        {
            git = git with { Ref = Agree(git.Ref, Prefixed("refs/tags/", tag), "ref") };
        }

        if (branch is not null)
        {
            if (tag is not null)
            {
                throw new FormatException("branch conflicts with tag");
            }

            git = git with { Ref = Agree(git.Ref, Prefixed("refs/heads/", branch), "ref") };
        }

        return git;
    }

    private static string Agree(string? current, string value, string what) =>
        current is null || current == value ? value : throw new FormatException($"{what} conflicts: \"{current}\" vs \"{value}\"");

    private static string Prefixed(string prefix, string name) => name.StartsWith(prefix, StringComparison.Ordinal) ? name : prefix + name;

    private static bool Bool(string key, string value) => value.ToLowerInvariant() switch
    {
        "" or "1" or "t" or "true" => true,
        "0" or "f" or "false" => false,
        _ => throw new FormatException($"invalid {key} value: \"{value}\""),
    };

    /// <summary>Go's url.ParseQuery: pairs split at '&amp;', '+' is a space, %XX decoded, in order of first appearance.</summary>
    private static List<(string Key, List<string> Values)> Parse(string query)
    {
        var pairs = new List<(string Key, List<string> Values)>();
        foreach (var pair in query.Split('&'))
        {
            if (pair.Length == 0)
            {
                continue;
            }

            if (pair.Contains(';', StringComparison.Ordinal))
            {
                throw new FormatException("invalid semicolon separator in query");
            }

            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Decode(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Decode(pair[(equals + 1)..]);
            var index = pairs.FindIndex(p => p.Key == key);
            if (index < 0)
            {
                pairs.Add((key, [value]));
            }
            else
            {
                pairs[index].Values.Add(value);
            }
        }

        return pairs;
    }

    private static string Decode(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text.Replace('+', ' '));
        }
        catch (UriFormatException e)
        {
            throw new FormatException($"invalid escape in query: {text}", e);
        }
    }
}
