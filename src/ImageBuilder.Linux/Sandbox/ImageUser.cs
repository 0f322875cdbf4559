using System.Globalization;

namespace ImageBuilder.Linux.Sandbox;

/// <summary>Owners named the way COPY --chown and ADD --chown name them, resolved in a root's own /etc/passwd and /etc/group.</summary>
public static class ImageUser
{
    /// <summary>
    /// <c>user[:group]</c> to numbers, as BuildKit does: a user name takes its uid and primary
    /// gid from passwd; a numeric user is also the gid unless a group is given; a group name is
    /// looked up in group.
    /// </summary>
    /// <exception cref="SandboxException">A name the image does not list.</exception>
    public static (int Uid, int Gid) ResolveChown(string rootDir, string chown)
    {
        var colon = chown.IndexOf(':');
        var userPart = colon < 0 ? chown : chown[..colon];
        var groupPart = colon < 0 ? null : chown[(colon + 1)..];
        int uid, gid;
        if (int.TryParse(userPart, NumberStyles.None, CultureInfo.InvariantCulture, out uid))
        {
            gid = uid;
        }
        else
        {
            var user = UserDatabase.Resolve(rootDir, userPart);
            (uid, gid) = ((int)user.Uid, (int)user.Gid);
        }

        if (!string.IsNullOrEmpty(groupPart))
        {
            gid = int.TryParse(groupPart, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                ? number
                : (int)UserDatabase.Resolve(rootDir, "0:" + groupPart).Gid;
        }

        return (uid, gid);
    }
}
