using System.Globalization;
using ImageBuilder.Core.Layers;
using static Tmds.Linux.LibC;

namespace ImageBuilder.Linux.Rootless;

/// <summary>
/// How this ibuild runs: as root, or rootless — started by an ordinary user and re-executed by
/// <see cref="UserNamespaceEntry"/> in a user namespace where it is root over namespaces it
/// creates, with <see cref="Users"/> and <see cref="Groups"/> saying which ids exist there.
/// Rootless changes a few things: overlayfs keeps its whiteout and opaque marks in
/// <c>user.overlay.*</c> (the <c>userxattr</c> option), device nodes cannot be created, the
/// store lives under the user's home, and cgroups need a delegated v2 subtree.
/// An ordinary user's ibuild starts outside the namespace (<see cref="Pending"/>): then
/// <see cref="Users"/> and <see cref="Groups"/> are the maps the namespace will have, and
/// <see cref="RequireUserNamespace"/> stops what only the namespace can do.
/// </summary>
public sealed record HostMode(bool Rootless, uint OutsideUid, IdMap Users, IdMap Groups)
{
    /// <summary>Set by <see cref="UserNamespaceEntry"/> for the re-executed ibuild: the user's uid on the host.</summary>
    public const string RootlessVariable = "IBUILD_ROOTLESS_UID";

    private static readonly Lazy<HostMode> Detected = new(Detect);
    private static bool OutsideRequested;

    /// <summary>This process's mode, read once.</summary>
    public static HostMode Current => Detected.Value;

    /// <summary>
    /// "<paramref name="subject"/> uid U gid G, which this rootless user namespace does not map
    /// (it maps …); the fix": one wording for a layer's file and a container's user.
    /// </summary>
    public string Unmapped(string subject, long uid, long gid) =>
        $"{subject} uid {uid} gid {gid}, which this rootless user namespace does not map "
        + $"(it maps uids {Users} and gids {Groups}); {UnmappedIdsFix(Math.Max(uid, gid))}";

    /// <summary>
    /// How to give this user namespace ids up to <paramref name="largestId"/>, which a layer or a
    /// container needs: subordinate ids at all, or a first range that large.
    /// </summary>
    public string UnmappedIdsFix(long largestId) => Users.Size <= 1
        ? $"give {OutsideUserName} subordinate ids: {SubordinateIds.FixCommand(OutsideUserName)}"
        : $"give {OutsideUserName} a first range in {SubordinateIds.UsersFile} and {SubordinateIds.GroupsFile} of at least "
            + $"{largestId} ids (ids 1… of the namespace are that range)";

    /// <summary>
    /// Where overlayfs keeps whiteout and opaque marks: <c>trusted.overlay.</c> in the initial user
    /// namespace; <c>user.overlay.</c> in any other, where trusted.* cannot be written and ibuild
    /// mounts overlays with the <c>userxattr</c> option.
    /// </summary>
    public string OverlayAttributePrefix => InUserNamespace ? "user.overlay." : "trusted.overlay.";

    /// <summary>
    /// Whether this process is outside the initial user namespace (rootless ibuild, or its init):
    /// overlays are mounted with <c>userxattr</c>, device nodes cannot be made, sysfs only for a
    /// network namespace of its own.
    /// </summary>
    public bool InUserNamespace => !Pending && !Users.IsIdentity;

    /// <summary>
    /// Rootless ibuild that has not entered its user namespace yet: an ordinary user's process,
    /// which reads the store (its own files) and enters the namespace when a command needs more.
    /// </summary>
    public bool Pending { get; init; }

    /// <summary>While <see cref="Pending"/>: the warning entering prints (only the user's own id will be mapped), or null.</summary>
    public string? EntryWarning { get; init; }

    /// <summary>
    /// Called by the command line, before anything reads <see cref="Current"/>, for a command
    /// that starts outside the user namespace: an ordinary user's process is then
    /// <see cref="Pending"/> (true is returned). Any other process of an ordinary user (a tool,
    /// a test) sees the host as it is.
    /// </summary>
    public static bool StartOutsideUserNamespace()
    {
        OutsideRequested = true;
        return Current.Pending;
    }

    /// <summary>
    /// Who a store belongs to (<c>ibuild/owner</c>): "root", or the user namespace's maps — the
    /// same whether this process is in the namespace or about to enter it.
    /// </summary>
    public string StoreOwner => InUserNamespace || Pending ? $"a user namespace with uids {Users}, gids {Groups}" : "root";

    /// <summary>
    /// Stops a <see cref="Pending"/> process before it does what only the user namespace can
    /// (<paramref name="what"/>: mount, run a step, write a tree with its owners):
    /// the command line then runs the command again inside. Does nothing anywhere else.
    /// </summary>
    /// <exception cref="UserNamespaceRequiredException">This process is <see cref="Pending"/>.</exception>
    public void RequireUserNamespace(string what)
    {
        if (Pending)
        {
            throw new UserNamespaceRequiredException(what);
        }
    }

    /// <summary>
    /// When <paramref name="error"/> refused a <see cref="Pending"/> process permission (EACCES,
    /// EPERM): the same as <see cref="RequireUserNamespace"/>, since the namespace's root may
    /// read what the user cannot (files of the user's subordinate ids, the user's own mode 000
    /// files). Does nothing for any other error, or inside.
    /// </summary>
    public void RequireUserNamespaceIfDenied(Exception error, string what)
    {
        if (error is Native.LinuxException { Errno: 1 or 13 } or UnauthorizedAccessException)
        {
            RequireUserNamespace(what);
        }
    }

    /// <summary>
    /// The host user's login name from /etc/passwd (the namespace sees the host's), or its uid when
    /// it has none. The user is what the namespace's root maps to (in ibuild-init too, which is
    /// not told <see cref="OutsideUid"/>).
    /// </summary>
    public string OutsideUserName
    {
        get
        {
            var outside = Users.Ranges.FirstOrDefault(r => r.Contains(0)) is { Count: > 0 } root ? root.Outside : OutsideUid;
            var uid = outside.ToString(CultureInfo.InvariantCulture);
            return (SystemFile.ReadOrNull("/etc/passwd") ?? "").Split('\n').Select(line => line.Split(':'))
                .FirstOrDefault(f => f.Length > 2 && f[2] == uid)?[0] ?? uid;
        }
    }

    private static HostMode Detect()
    {
        if (geteuid() != 0 && OutsideRequested)
        {
            var plan = UserNamespaceEntry.PlanForCurrentUser([]);
            return new HostMode(true, geteuid(), plan.Users, plan.Groups) { Pending = true, EntryWarning = plan.Warning };
        }

        var users = ReadMap(IdMap.ForUsers);
        var groups = ReadMap(IdMap.ForGroups);
        var marked = uint.TryParse(Environment.GetEnvironmentVariable(RootlessVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var outside);
        var rootless = geteuid() == 0 && marked && !users.IsIdentity;
        return new HostMode(rootless, rootless ? outside : geteuid(), users, groups);
    }

    private static IdMap ReadMap(Func<IdMap> read)
    {
        try
        {
            return read();
        }
        catch (IOException)
        {
            return IdMap.Identity;
        }
    }
}
