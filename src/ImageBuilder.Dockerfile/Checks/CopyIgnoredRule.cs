using ImageBuilder.Dockerfile.Paths;

namespace ImageBuilder.Dockerfile.Checks;

/// <summary>
/// CopyIgnoredFile: a COPY or ADD from the build context of a path the .dockerignore excludes.
/// Not checked when the ignore file has exclusions (<c>!pattern</c>): a file kept inside an
/// excluded directory cannot be told apart without the context, as BuildKit decides.
/// </summary>
internal static class CopyIgnoredRule
{
    public static void Run(IReadOnlyList<CheckedStage> stages, CheckContext context)
    {
        if (context.Input.Ignore is not { } ignore || ignore.Patterns.Count == 0 || ignore.Matcher.Exclusions)
        {
            return;
        }

        foreach (var node in stages.SelectMany(s => s.Nodes).Select(n => n.Syntax))
        {
            if (node.Keyword is not ("copy" or "add") || node.Flags.Any(f => f.StartsWith("--from=", StringComparison.Ordinal)))
            {
                continue;
            }

            var verb = node.Keyword == "add" ? "ADD" : "COPY";
            foreach (var source in node.Arguments.Take(node.Arguments.Count - 1))
            {
                if (source.StartsWith("<<", StringComparison.Ordinal) || source.Contains("://", StringComparison.Ordinal)
                    || source.Contains('$', StringComparison.Ordinal))
                {
                    continue;
                }

                var path = GoPath.Clean(source);
                if (path is "." or "/" && !RootIgnored(ignore))
                {
                    continue;
                }

                if (ignore.Matcher.MatchesOrParentMatches(path.TrimStart('/') is { Length: > 0 } p ? p : "."))
                {
                    context.Report(CheckRules.CopyIgnoredFile, node,
                        $"{verb} source \"{path}\" is excluded by .dockerignore, so the build will not find it",
                        "remove the pattern from .dockerignore, or the source from the instruction");
                }
            }
        }
    }

    private static bool RootIgnored(Ignore.DockerIgnore ignore) =>
        ignore.Patterns.Any(p => p is "*" or "**" or "**/*");
}
