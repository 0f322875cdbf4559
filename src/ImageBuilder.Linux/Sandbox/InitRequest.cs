namespace ImageBuilder.Linux.Sandbox;

/// <summary>
/// What the parent tells the init process, written to its standard input: everything is
/// already decided (ids resolved, mount targets checked, execve candidates listed), so the
/// init only acts. A length-prefixed binary form keeps the init's start-up cheap (no JSON).
/// </summary>
internal sealed record InitRequest(
    string Root,
    IReadOnlyList<string> Argv,
    IReadOnlyList<string> Env,
    IReadOnlyList<string> Candidates,
    string WorkingDirectory,
    uint Uid,
    uint Gid,
    IReadOnlyList<uint> Groups,
    IReadOnlyList<(string Source, string Target)> FileBinds,
    ulong OpenFilesSoft,
    ulong OpenFilesHard)
{
    /// <summary>The compiled seccomp filter (<c>struct sock_filter[]</c>); empty: none.</summary>
    public byte[] SyscallFilter { get; init; } = [];

    /// <summary>Every capability, no masked or read-only paths (<see cref="SandboxSpec.Insecure"/>).</summary>
    public bool Insecure { get; init; }

    public void WriteTo(Stream stream)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(Root);
        WriteList(writer, Argv);
        WriteList(writer, Env);
        WriteList(writer, Candidates);
        writer.Write(WorkingDirectory);
        writer.Write(Uid);
        writer.Write(Gid);
        writer.Write(Groups.Count);
        foreach (var group in Groups)
        {
            writer.Write(group);
        }

        writer.Write(FileBinds.Count);
        foreach (var (source, target) in FileBinds)
        {
            writer.Write(source);
            writer.Write(target);
        }

        writer.Write(OpenFilesSoft);
        writer.Write(OpenFilesHard);
        writer.Write(SyscallFilter.Length);
        writer.Write(SyscallFilter);
        writer.Write(Insecure);
    }

    public static InitRequest ReadFrom(Stream stream)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        var root = reader.ReadString();
        var argv = ReadList(reader);
        var env = ReadList(reader);
        var candidates = ReadList(reader);
        var workingDirectory = reader.ReadString();
        var uid = reader.ReadUInt32();
        var gid = reader.ReadUInt32();
        var groups = new uint[reader.ReadInt32()];
        for (var i = 0; i < groups.Length; i++)
        {
            groups[i] = reader.ReadUInt32();
        }

        var binds = new (string, string)[reader.ReadInt32()];
        for (var i = 0; i < binds.Length; i++)
        {
            binds[i] = (reader.ReadString(), reader.ReadString());
        }

        return new InitRequest(root, argv, env, candidates, workingDirectory, uid, gid, groups, binds, reader.ReadUInt64(), reader.ReadUInt64())
        {
            SyscallFilter = reader.ReadBytes(reader.ReadInt32()),
            Insecure = reader.ReadBoolean(),
        };
    }

    private static void WriteList(BinaryWriter writer, IReadOnlyList<string> items)
    {
        writer.Write(items.Count);
        foreach (var item in items)
        {
            writer.Write(item);
        }
    }

    private static string[] ReadList(BinaryReader reader)
    {
        var items = new string[reader.ReadInt32()];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = reader.ReadString();
        }

        return items;
    }
}
