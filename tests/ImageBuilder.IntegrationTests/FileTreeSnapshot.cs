using System.Security.Cryptography;
using ImageBuilder.Linux.Native;

namespace ImageBuilder.IntegrationTests;

/// <summary>
/// A comparable description of a directory tree: for each path its type, permission bits,
/// owner, size, content hash, link target and extended attributes, name and value in hex
/// (never times). Two trees are "the same" when these lists are equal. Ownership is read with
/// find(1); attributes through ibuild's own llistxattr/lgetxattr wrappers.
/// </summary>
internal static class FileTreeSnapshot
{
    public static async Task<IReadOnlyList<string>> DescribeAsync(string root)
    {
        // find prints: type, mode (octal), uid, gid, size, link target, path; one line each.
        var listing = await Tools.Run("find", root, "-mindepth", "1", "-printf", "%y %#m %U %G %s %l\t%P\n");
        listing.Ok();
        var lines = new List<string>();
        foreach (var line in listing.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var tab = line.IndexOf('\t');
            var meta = line[..tab].Split(' ');
            var path = line[(tab + 1)..];
            var kind = meta[0];
            var size = kind == "f" ? meta[4] : "-";
            var hash = kind == "f" ? Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(root, path)))) : "-";
            var target = kind == "l" ? meta[5] : "-";
            lines.Add($"{path} {kind} {meta[1]} {meta[2]}:{meta[3]} {size} {hash} {target}{Attributes(Path.Combine(root, path))}");
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>" xattrs=name:hex,…" sorted by name, or nothing for a path without attributes.</summary>
    private static string Attributes(string path)
    {
        var names = Syscalls.ListExtendedAttributes(path);
        names.Sort(StringComparer.Ordinal);
        return names.Count == 0
            ? ""
            : " xattrs=" + string.Join(",", names.Select(n => $"{n}:{Convert.ToHexStringLower(Syscalls.GetExtendedAttribute(path, n) ?? [])}"));
    }
}
