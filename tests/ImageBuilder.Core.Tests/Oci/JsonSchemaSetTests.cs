using System.Text;
using ImageBuilder.TestSupport.Oci;

namespace ImageBuilder.Core.Tests.Oci;

/// <summary>The draft-04 validator of TestSupport, keyword by keyword: each must refuse what it forbids.</summary>
public sealed class JsonSchemaSetTests
{
    private const string Uri = "https://example.com/schema";

    private static IReadOnlyList<string> Check(string schema, string instance)
    {
        var set = new JsonSchemaSet();
        set.Add(Uri, Encoding.UTF8.GetBytes(schema));
        return set.Validate(Uri, Encoding.UTF8.GetBytes(instance));
    }

    [Theory]
    [InlineData("""{"type":"string"}""", "\"x\"", "1")]
    [InlineData("""{"type":"integer"}""", "1", "1.5")]
    [InlineData("""{"type":"integer"}""", "1.0", "\"1\"")]
    [InlineData("""{"type":"number"}""", "1.5", "true")]
    [InlineData("""{"type":"boolean"}""", "false", "0")]
    [InlineData("""{"type":"null"}""", "null", "{}")]
    [InlineData("""{"type":"array"}""", "[]", "{}")]
    [InlineData("""{"type":"object"}""", "{}", "[]")]
    [InlineData("""{"type":["string","null"]}""", "null", "2")]
    [InlineData("""{"enum":["a",1,{"k":[1]}]}""", """{"k":[1.0]}""", """{"k":[2]}""")]
    [InlineData("""{"minimum":0}""", "0", "-1")]
    [InlineData("""{"minimum":0,"exclusiveMinimum":true}""", "0.5", "0")]
    [InlineData("""{"maximum":9223372036854776000}""", "9223372036854775807", "9223372036854776001")]
    [InlineData("""{"maximum":2,"exclusiveMaximum":true}""", "1", "2")]
    [InlineData("""{"multipleOf":0.5}""", "2.5", "2.4")]
    [InlineData("""{"minLength":2}""", "\"\\ud83d\\udc33a\"", "\"\\ud83d\\udc33\"")]
    [InlineData("""{"maxLength":1}""", "\"\\ud83d\\udc33\"", "\"ab\"")]
    [InlineData("""{"pattern":"b"}""", "\"abc\"", "\"ac\"")]
    [InlineData("""{"pattern":"^abc$"}""", "\"abc\"", "\"abc\\n\"")]
    [InlineData("""{"pattern":"^a.c$"}""", "\"abc\"", "\"a\\rc\"")]
    [InlineData("""{"pattern":"^\\d+$"}""", "\"123\"", "\"\u0661\u0662\"")]
    [InlineData("""{"format":"uri"}""", "\"https://example.com/a?b=1#c\"", "\"value\"")]
    [InlineData("""{"format":"uri"}""", "\"urn:isbn:0451450523\"", "\"https://exa mple.com\"")]
    [InlineData("""{"format":"uri"}""", "\"http://[::1]:8080/\"", "\"http://x/%zz\"")]
    [InlineData("""{"format":"date-time"}""", "\"2015-10-31T22:22:56.015925234Z\"", "\"2015-10-31\"")]
    [InlineData("""{"format":"date-time"}""", "\"2016-12-31t23:59:60+01:00\"", "\"2015-02-29T00:00:00Z\"")]
    [InlineData("""{"type":"string","format":"no-such-format"}""", "\"formats it does not know pass\"", "1.5e999")]
    [InlineData("""{"items":{"type":"string"}}""", """["a"]""", """["a",1]""")]
    [InlineData("""{"items":[{"type":"string"}],"additionalItems":false}""", """["a"]""", """["a","b"]""")]
    [InlineData("""{"items":[{"type":"string"}],"additionalItems":{"type":"integer"}}""", """["a",1]""", """["a","b"]""")]
    [InlineData("""{"minItems":1}""", "[0]", "[]")]
    [InlineData("""{"maxItems":1}""", "[0]", "[0,1]")]
    [InlineData("""{"uniqueItems":true}""", "[1,\"1\"]", "[{\"a\":1},{\"a\":1.0}]")]
    [InlineData("""{"required":["a"]}""", """{"a":null}""", """{"b":1}""")]
    [InlineData("""{"properties":{"a":{"type":"string"}}}""", """{"a":"x","b":1}""", """{"a":1}""")]
    [InlineData("""{"properties":{"a":{}},"additionalProperties":false}""", """{"a":1}""", """{"a":1,"b":2}""")]
    [InlineData("""{"additionalProperties":{"type":"string"}}""", """{"a":"x"}""", """{"a":1}""")]
    [InlineData("""{"patternProperties":{".{1,}":{"type":"string"}}}""", """{"a":"x","":1}""", """{"a":1}""")]
    [InlineData("""{"patternProperties":{"^x":{}},"additionalProperties":false}""", """{"xa":1}""", """{"ya":1}""")]
    [InlineData("""{"minProperties":1}""", """{"a":1}""", "{}")]
    [InlineData("""{"maxProperties":1}""", """{"a":1}""", """{"a":1,"b":2}""")]
    [InlineData("""{"dependencies":{"a":["b"]}}""", """{"a":1,"b":2}""", """{"a":1}""")]
    [InlineData("""{"dependencies":{"a":{"required":["c"]}}}""", """{"b":1}""", """{"a":1}""")]
    [InlineData("""{"allOf":[{"type":"integer"},{"minimum":2}]}""", "3", "1")]
    [InlineData("""{"anyOf":[{"type":"integer"},{"type":"string"}]}""", "\"a\"", "true")]
    [InlineData("""{"oneOf":[{"type":"integer"},{"minimum":2}]}""", "1", "3")]
    [InlineData("""{"oneOf":[{"type":"integer"},{"type":"string"}]}""", "1", "[]")]
    [InlineData("""{"not":{"type":"string"}}""", "1", "\"a\"")]
    [InlineData("""{"definitions":{"s":{"type":"string"}},"properties":{"a":{"$ref":"#/definitions/s"}}}""", """{"a":"x"}""", """{"a":1}""")]
    [InlineData("""{"definitions":{"a/b":{"type":"string"},"c~d":{"type":"integer"}},"properties":{"x":{"$ref":"#/definitions/a~1b"},"y":{"$ref":"#/definitions/c~0d"}}}""", """{"x":"s","y":1}""", """{"x":"s","y":"s"}""")]
    [InlineData("""{"type":"object","properties":{"a":{"$ref":"#"}}}""", """{"a":{"a":{}}}""", """{"a":{"a":1}}""")]
    [InlineData("""{"$ref":"#/definitions/s","type":"integer","definitions":{"s":{"type":"string"}}}""", "\"siblings of $ref are ignored\"", "1")]
    [InlineData("""{"type":"object"}""", """{"a":1}""", """{"a":1,"a":2}""")]
    public void Keyword_accepts_and_refuses(string schema, string valid, string invalid)
    {
        Assert.Empty(Check(schema, valid));
        Assert.NotEmpty(Check(schema, invalid));
    }

    [Fact]
    public void Errors_name_the_path_of_the_bad_value()
    {
        var errors = Check("""{"properties":{"list":{"items":{"properties":{"os.version":{"type":"string"}}}}}}""", """{"list":[{},{"os.version":1}]}""");

        Assert.Equal(["$.list[1][\"os.version\"]: expected string, found integer"], errors);
    }

    [Fact]
    public void Ref_cycles_are_reported_not_followed_forever()
    {
        Assert.Contains("$ref cycle", Assert.Single(Check("""{"$ref":"#"}""", "1")));
        Assert.Contains("$ref cycle", Assert.Single(Check("""{"definitions":{"a":{"$ref":"#/definitions/b"},"b":{"allOf":[{"$ref":"#/definitions/a"}]}},"$ref":"#/definitions/a"}""", "{}")));
    }

    [Fact]
    public void Recursion_through_the_instance_is_fine()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 50)) + "{}" + new string('}', 50);

        Assert.Empty(Check("""{"type":"object","properties":{"a":{"$ref":"#"}}}""", deep));
    }

    [Fact]
    public void Refs_resolve_against_nested_ids_and_other_documents()
    {
        var set = new JsonSchemaSet();
        set.Add("https://example.com/schemas/root", """{"id":"https://example.com/a/root","properties":{"x":{"$ref":"defs.json#/definitions/s"},"y":{"id":"https://example.com/b/","properties":{"z":{"$ref":"defs.json#/definitions/n"}}}}}"""u8);
        set.Add("https://example.com/a/defs.json", """{"definitions":{"s":{"type":"string"}}}"""u8);
        set.Add("https://example.com/b/defs.json", """{"definitions":{"n":{"type":"integer"}}}"""u8);

        Assert.Empty(set.Validate("https://example.com/schemas/root", """{"x":"s","y":{"z":1}}"""u8));
        Assert.Equal(2, set.Validate("https://example.com/schemas/root", """{"x":1,"y":{"z":"s"}}"""u8).Count);
        Assert.Empty(set.Validate("https://example.com/b/", """{"z":1}"""u8));
    }

    [Fact]
    public void Unresolvable_refs_are_a_broken_schema_not_a_pass()
    {
        Assert.Throws<InvalidOperationException>(() => Check("""{"$ref":"missing.json"}""", "1"));
        Assert.Throws<InvalidOperationException>(() => Check("""{"$ref":"#/definitions/none"}""", "1"));
        Assert.Throws<ArgumentException>(() => new JsonSchemaSet().Validate("https://example.com/unknown", "1"u8));
    }

    [Fact]
    public void Text_that_is_not_json_is_an_error()
    {
        Assert.StartsWith("$: not JSON", Assert.Single(Check("{}", "{")));
        Assert.StartsWith("$: not JSON", Assert.Single(Check("{}", "{\"a\":1,}")));
    }
}
