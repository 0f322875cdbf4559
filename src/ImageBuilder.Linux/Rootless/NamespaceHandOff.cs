using System.Globalization;
using System.Text;
using ImageBuilder.Linux.Native;
using Microsoft.Win32.SafeHandles;

namespace ImageBuilder.Linux.Rootless;

/// <summary>
/// What a rootless build that started outside its user namespace hands to the ibuild it runs
/// again inside, so that work done outside is not done twice: the build context it walked and
/// hashed (bigctx's 20,000 files: 120 ms of walking, measured). The outside process
/// <see cref="Offer"/>s named content as it goes; entering writes what is offered into a memory
/// file the new program inherits (named by <see cref="Variable"/>); the new program reads it
/// once at its start (<see cref="ReceiveAtStart"/>) and closes it before anything runs, and
/// <see cref="Take"/> gives each piece to whoever asks for it first. What is handed is only what
/// the same user's process saw a moment before; a receiver that finds it unfit ignores it and
/// does the work again.
/// </summary>
public static class NamespaceHandOff
{
    /// <summary>The descriptor of the hand-off's memory file, in the environment of ibuild run inside.</summary>
    public const string Variable = "IBUILD_HANDOFF_FD";

    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, Func<byte[]>> Offers = new(StringComparer.Ordinal);
    private static Dictionary<string, byte[]> Received = new(StringComparer.Ordinal);

    // The packed memory file, held so that nothing closes it before the exec.
    private static SafeFileHandle? Packed;

    /// <summary>Outside: offers <paramref name="content"/> (called when entering, not before) under <paramref name="name"/>.</summary>
    public static void Offer(string name, Func<byte[]> content)
    {
        lock (Gate)
        {
            Offers[name] = content;
        }
    }

    /// <summary>Inside: the content handed under <paramref name="name"/>, once; null when none was (or it was taken).</summary>
    public static byte[]? Take(string name)
    {
        lock (Gate)
        {
            return Received.Remove(name, out var content) ? content : null;
        }
    }

    /// <summary>
    /// Outside, just before entering: what is offered, in a memory file that the program executed
    /// next inherits, and its descriptor (as text, for <see cref="Variable"/>); null when nothing is.
    /// An offer that fails is left out (the receiver does the work itself).
    /// </summary>
    public static string? Pack()
    {
        Dictionary<string, byte[]> contents = new(StringComparer.Ordinal);
        lock (Gate)
        {
            foreach (var (name, content) in Offers)
            {
                try
                {
                    contents[name] = content();
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // Left out: the receiver does that work itself.
                }
            }
        }

        if (contents.Count == 0)
        {
            return null;
        }

        try
        {
            Packed?.Dispose();
            Packed = Syscalls.CreateInheritedMemoryFile("ibuild-handoff");
            RandomAccess.Write(Packed, Encode(contents), 0);
            return Packed.DangerousGetHandle().ToString(CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or LinuxException or UnauthorizedAccessException)
        {
            // Only a shortcut: the command inside does the work again.
            Packed?.Dispose();
            Packed = null;
            return null;
        }
    }

    /// <summary>
    /// Inside, first thing: reads and closes the hand-off named by <see cref="Variable"/> (when
    /// this process is the one rootless ibuild started), and removes the variable, so that no
    /// step's process inherits either. A malformed hand-off is dropped.
    /// </summary>
    public static void ReceiveAtStart()
    {
        var value = Environment.GetEnvironmentVariable(Variable);
        if (value is null)
        {
            return;
        }

        Environment.SetEnvironmentVariable(Variable, null);
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var fd) || fd < 3
            || Environment.GetEnvironmentVariable(HostMode.RootlessVariable) is null)
        {
            return;
        }

        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            var bytes = new byte[RandomAccess.GetLength(handle)];
            RandomAccess.Read(handle, bytes, 0);
            var decoded = Decode(bytes);
            lock (Gate)
            {
                Received = decoded;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or EndOfStreamException or ArgumentException)
        {
        }
    }

    /// <summary>The memory file's layout: a count, then each name and its content, length-prefixed.</summary>
    internal static byte[] Encode(IReadOnlyDictionary<string, byte[]> contents)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(contents.Count);
            foreach (var (name, content) in contents)
            {
                writer.Write(name);
                writer.Write(content.Length);
                writer.Write(content);
            }
        }

        return stream.ToArray();
    }

    /// <exception cref="EndOfStreamException">The bytes end early.</exception>
    /// <exception cref="ArgumentException">A count or length is out of range.</exception>
    internal static Dictionary<string, byte[]> Decode(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        var count = reader.ReadInt32();
        var contents = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            var length = reader.ReadInt32();
            ArgumentOutOfRangeException.ThrowIfNegative(length);
            var content = reader.ReadBytes(length);
            if (content.Length != length)
            {
                throw new EndOfStreamException("the hand-off ends early");
            }

            contents[name] = content;
        }

        return contents;
    }
}
