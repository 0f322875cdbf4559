namespace ImageBuilder.Cli.Tests;

/// <summary>What rootless ibuild printed outside its user namespace comes out once, in order, or not at all.</summary>
public sealed class HeldOutputTests
{
    [Fact]
    public void Released_output_keeps_the_order_of_writes_across_both_streams()
    {
        var held = new HeldOutput();
        held.Error.Write("#1 [1/2] FROM ");
        held.Error.WriteLine("busybox");
        held.Out.WriteLine("sha256:abc");
        held.Error.WriteLine("#1 DONE");
        var order = new List<string>();
        using var stdout = new RecordingWriter("out", order);
        using var stderr = new RecordingWriter("err", order);

        held.Release(stdout, stderr);

        Assert.Equal(["err:#1 [1/2] FROM busybox\n", "out:sha256:abc\n", "err:#1 DONE\n"], order);
    }

    [Fact]
    public void Nothing_is_written_until_release_and_nothing_twice()
    {
        var held = new HeldOutput();
        held.Out.Write("image id");
        var order = new List<string>();
        using var stdout = new RecordingWriter("out", order);
        using var stderr = new RecordingWriter("err", order);
        Assert.Empty(order);

        held.Release(stdout, stderr);
        held.Release(stdout, stderr);

        Assert.Equal(["out:image id"], order);
    }

    private sealed class RecordingWriter(string name, List<string> order) : StringWriter
    {
        public override void Write(string? value) => order.Add($"{name}:{value}");
    }
}
