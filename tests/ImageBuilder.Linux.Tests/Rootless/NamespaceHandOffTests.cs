using System.Globalization;
using ImageBuilder.Linux.Native;
using ImageBuilder.Linux.Rootless;

namespace ImageBuilder.Linux.Tests.Rootless;

public sealed class NamespaceHandOffTests
{
    [Fact]
    public void What_is_packed_is_what_is_received()
    {
        var contents = new Dictionary<string, byte[]> { ["build-context"] = [1, 2, 3], ["empty"] = [], ["é"] = [0xff] };

        var received = NamespaceHandOff.Decode(NamespaceHandOff.Encode(contents));

        Assert.Equal(contents.Keys.Order(), received.Keys.Order());
        Assert.All(contents, pair => Assert.Equal(pair.Value, received[pair.Key]));
    }

    [Fact]
    public void A_cut_hand_off_is_refused_not_read_short()
    {
        var bytes = NamespaceHandOff.Encode(new Dictionary<string, byte[]> { ["build-context"] = [1, 2, 3, 4] });

        Assert.Throws<EndOfStreamException>(() => NamespaceHandOff.Decode(bytes[..^1]));
        Assert.Throws<EndOfStreamException>(() => NamespaceHandOff.Decode(bytes[..3]));
    }

    [Fact]
    public void The_memory_file_is_not_closed_on_exec_and_holds_what_was_written()
    {
        using var file = Syscalls.CreateInheritedMemoryFile("ibuild-handoff-test");
        RandomAccess.Write(file, "handed"u8.ToArray(), 0);
        var fd = file.DangerousGetHandle().ToString(CultureInfo.InvariantCulture);

        // No close-on-exec (O_CLOEXEC is octal 2000000 in fdinfo's flags), unlike .NET's own descriptors.
        var flags = File.ReadAllLines($"/proc/self/fdinfo/{fd}").Single(l => l.StartsWith("flags:", StringComparison.Ordinal));
        Assert.Equal(0, Convert.ToInt64(flags["flags:".Length..].Trim(), 8) & Convert.ToInt64("2000000", 8));
        Assert.Equal("handed", File.ReadAllText($"/proc/self/fd/{fd}"));
    }
}
