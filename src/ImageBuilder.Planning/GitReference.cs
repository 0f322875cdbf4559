using System.Text.RegularExpressions;

namespace ImageBuilder.Planning;

/// <summary>
/// An ADD source that names a git repository, as BuildKit reads one:
/// <c>https://host/org/repo.git#ref:subdir</c> (http and https only with the <c>.git</c> suffix),
/// <c>git://host/repo#ref</c>, <c>ssh://…</c>, <c>user@host:org/repo.git#ref</c>, and the query
/// form (<c>?ref=…&amp;tag=…&amp;branch=…&amp;subdir=…&amp;checksum=…&amp;keep-git-dir=…&amp;submodules=…&amp;mtime=…</c>).
/// <see cref="Remote"/> is what git fetches from (no fragment, no query).
/// </summary>
public sealed partial record GitReference
{
    public required string Remote { get; init; }

    /// <summary>The branch, tag, full ref or commit to check out; null: the remote's default branch.</summary>
    public string? Ref { get; init; }

    /// <summary>A commit (or annotated tag) the ref must resolve to: a hex prefix (<c>--checksum</c>, <c>?checksum=</c>).</summary>
    public string? Checksum { get; init; }

    /// <summary>The directory of the repository to copy ("" for all of it), cleaned, relative.</summary>
    public string SubDir { get; init; } = "";

    /// <summary>Whether the checkout keeps its .git directory; null: the source did not say (<c>--keep-git-dir</c> decides).</summary>
    public bool? KeepGitDir { get; init; }

    /// <summary>Whether submodules are checked out too (BuildKit's default; <c>?submodules=false</c> skips them).</summary>
    public bool Submodules { get; init; } = true;

    /// <summary>Files take the commit's time (<c>?mtime=commit</c>) rather than the checkout's.</summary>
    public bool CommitTime { get; init; }

    /// <summary>Fetch <see cref="Checksum"/> (a full commit id) directly, without asking the remote what the ref points at.</summary>
    public bool FetchByCommit { get; init; }

    public bool IsSsh => !Remote.Contains("://", StringComparison.Ordinal) || Remote.StartsWith("ssh://", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex("^[a-zA-Z0-9]+://")]
    private static partial Regex Scheme();

    [GeneratedRegex(@"^([a-zA-Z0-9-_]+)@([a-zA-Z0-9-.]+):(.*?)(?:\?(.*?))?(?:#(.*))?$")]
    private static partial Regex ScpStyle();

    [GeneratedRegex("^[a-fA-F0-9]+$")]
    private static partial Regex Hex();

    [GeneratedRegex(@"(?<=://)[^/@\s]+@")]
    private static partial Regex UrlCredentials();

    /// <summary><paramref name="text"/> without the user:password of any URL in it (what messages and provenance may show).</summary>
    public static string Redact(string text) => UrlCredentials().Replace(text, "xxxxx@");

    /// <summary>The source as BuildKit's provenance names it: the remote without credentials, <c>#</c> the ref it was found as.</summary>
    public string Describe(string? resolvedRef) => Redact(Remote) + (resolvedRef ?? Ref) switch { null => "", var r => "#" + r };

    /// <summary>
    /// The repository <paramref name="source"/> names, or null when it names none (a local path,
    /// an http(s) URL without <c>.git</c>, another scheme).
    /// </summary>
    /// <exception cref="FormatException">It names a repository, but its fragment or query is not valid.</exception>
    public static GitReference? Parse(string source)
    {
        if (source.StartsWith("./", StringComparison.Ordinal) || source.StartsWith("../", StringComparison.Ordinal))
        {
            return null;
        }

        string remote;
        string query;
        string fragment;
        if (Scheme().Match(source) is { Success: true } scheme)
        {
            var protocol = scheme.Value[..^3].ToLowerInvariant();
            if (protocol is not ("http" or "https" or "git" or "ssh"))
            {
                return null;
            }

            (remote, query, fragment) = SplitUrl(source);
            if (protocol is "http" or "https" && !Uri.TryCreate(remote, UriKind.Absolute, out _))
            {
                return null;
            }

            if (protocol is "http" or "https" && !UrlPath(remote).EndsWith(".git", StringComparison.Ordinal))
            {
                return null;
            }
        }
        else if (ScpStyle().Match(source) is { Success: true } scp)
        {
            remote = $"{scp.Groups[1].Value}@{scp.Groups[2].Value}:{scp.Groups[3].Value}";
            query = scp.Groups[4].Value;
            fragment = scp.Groups[5].Value;
        }
        else
        {
            return null;
        }

        var (reference, subdir) = SplitFragment(fragment);
        var git = new GitReference { Remote = remote, Ref = NullIfEmpty(reference), SubDir = subdir };
        return GitQuery.Apply(git, query);
    }

    /// <summary>Whether <paramref name="checksum"/> can name a commit: hex digits.</summary>
    public static bool IsHex(string checksum) => Hex().IsMatch(checksum);

    /// <summary>A full commit id: 40 (SHA-1) or 64 (SHA-256) hex digits.</summary>
    public static bool IsCommitId(string? value) => value is { Length: 40 or 64 } && IsHex(value);

    /// <summary>A path cleaned as Go's path.Join("/", p), without its leading slash.</summary>
    internal static string CleanSubDir(string subdir)
    {
        var parts = new List<string>();
        foreach (var part in subdir.Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }

                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }

    private static (string Remote, string Query, string Fragment) SplitUrl(string url)
    {
        var hash = url.IndexOf('#', StringComparison.Ordinal);
        var fragment = hash < 0 ? "" : url[(hash + 1)..];
        var rest = hash < 0 ? url : url[..hash];
        var question = rest.IndexOf('?', StringComparison.Ordinal);
        return question < 0 ? (rest, "", fragment) : (rest[..question], rest[(question + 1)..], fragment);
    }

    private static string UrlPath(string remote)
    {
        var afterScheme = remote[(remote.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var slash = afterScheme.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? "" : afterScheme[slash..];
    }

    private static (string Ref, string SubDir) SplitFragment(string fragment)
    {
        var colon = fragment.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? (fragment, "") : (fragment[..colon], CleanSubDir(fragment[(colon + 1)..]));
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
