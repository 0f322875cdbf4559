using System.Globalization;
using System.Text;
using ImageBuilder.Linux.Native;
using ImageBuilder.Linux.Rootless;

namespace ImageBuilder.Linux.Sandbox;

/// <summary>The ids a step runs with, and the home directory for a missing HOME.</summary>
internal sealed record ResolvedUser(uint Uid, uint Gid, uint[] Groups, string Home);

/// <summary>
/// Resolves a USER value (<c>name</c>, <c>uid</c>, <c>name:group</c>, <c>uid:gid</c>) from the
/// image's /etc/passwd and /etc/group, read inside the root (symlinks cannot lead out).
/// Supplementary groups are the groups of /etc/group that list the user by name, as Docker does.
/// </summary>
internal static class UserDatabase
{
    public static ResolvedUser Resolve(string rootDir, string? user)
    {
        using var root = Syscalls.OpenResolutionRoot(rootDir);
        var passwd = Lines(Syscalls.ReadFileInRoot(root, "/etc/passwd"));
        var groups = Lines(Syscalls.ReadFileInRoot(root, "/etc/group"));
        var spec = string.IsNullOrEmpty(user) ? "0" : user;
        var colon = spec.IndexOf(':');
        var userPart = colon < 0 ? spec : spec[..colon];
        var groupPart = colon < 0 ? null : spec[(colon + 1)..];

        string[]? entry;
        uint uid;
        if (uint.TryParse(userPart, NumberStyles.None, CultureInfo.InvariantCulture, out uid))
        {
            entry = passwd.FirstOrDefault(f => f.Length >= 6 && f[2] == userPart);
        }
        else
        {
            entry = passwd.FirstOrDefault(f => f.Length >= 6 && f[0] == userPart)
                ?? throw new SandboxException($"unable to find user {userPart}: no matching entries in passwd file");
            uid = Number(entry[2], "uid", userPart);
        }

        var gid = entry is null ? 0 : Number(entry[3], "gid", userPart);
        if (!string.IsNullOrEmpty(groupPart))
        {
            if (!uint.TryParse(groupPart, NumberStyles.None, CultureInfo.InvariantCulture, out gid))
            {
                var group = groups.FirstOrDefault(f => f.Length >= 3 && f[0] == groupPart)
                    ?? throw new SandboxException($"unable to find group {groupPart}: no matching entries in group file");
                gid = Number(group[2], "gid", groupPart);
            }
        }

        var name = entry?[0];
        var member = name is null ? [] : groups
            .Where(f => f.Length >= 4 && f[3].Split(',').Contains(name))
            .Select(f => uint.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var g) ? g : uint.MaxValue)
            .Where(g => g != uint.MaxValue)
            .Distinct()
            .ToArray();
        var home = entry is { Length: >= 6 } && entry[5].Length > 0 ? entry[5] : "/";
        RequireMapped(spec, uid, gid);
        return new ResolvedUser(uid, gid, member, home);
    }

    /// <summary>
    /// Rootless without subordinate ids only uid and gid 0 exist: any other USER would fail in the
    /// init with a bare EINVAL from setresuid, so it fails here, before the step starts, saying why.
    /// </summary>
    private static void RequireMapped(string spec, uint uid, uint gid)
    {
        var mode = HostMode.Current;
        if (!mode.Users.Contains(uid) || !mode.Groups.Contains(gid))
        {
            throw new SandboxException(mode.Unmapped($"USER {spec} is", uid, gid));
        }
    }

    private static uint Number(string text, string what, string owner) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new SandboxException($"bad {what} \"{text}\" for {owner} in the image's user database");

    private static List<string[]> Lines(byte[]? content) =>
        content is null ? [] : [.. Encoding.UTF8.GetString(content).Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split(':'))];
}
