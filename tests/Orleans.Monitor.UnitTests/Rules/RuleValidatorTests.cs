using Orleans.Monitor.Contracts.Rules;

namespace Orleans.Monitor.UnitTests.Rules;

public sealed class RuleValidatorTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    private static readonly RuleDefinition Good = new(
        new RuleSelector(SwarmService: "web"), "cpuPercent", "avg", "30s", Above: 80, Below: 10, For: "15s",
        new RuleAlert("critical", "web runs hot"), new RuleScale(1, 5, 1, "60s"));

    public static TheoryData<string, RuleDefinition> WrongFields => new()
    {
        { "selector", Good with { Selector = null } },
        { "selector", Good with { Selector = new RuleSelector() } },
        { "selector", Good with { Selector = new RuleSelector(SwarmService: "web", Label: "a=b") } },
        { "selector.swarmService", Good with { Selector = new RuleSelector(SwarmService: "") } },
        { "selector.swarmService", Good with { Selector = new RuleSelector(SwarmService: "a/b") } },
        { "selector.composeService", Good with { Selector = new RuleSelector(ComposeService: "web"), Scale = null } },
        { "selector.composeService", Good with { Selector = new RuleSelector(ComposeService: "a/b/c"), Scale = null } },
        { "selector.container", Good with { Selector = new RuleSelector(Container: "my box"), Scale = null } },
        { "selector.label", Good with { Selector = new RuleSelector(Label: "novalue"), Scale = null } },
        { "selector.label", Good with { Selector = new RuleSelector(Label: "=v"), Scale = null } },
        { "metric", Good with { Metric = null } },
        { "metric", Good with { Metric = "cpu" } },
        { "metric", Good with { Metric = "CpuPercent" } },
        { "aggregate", Good with { Aggregate = null } },
        { "aggregate", Good with { Aggregate = "median" } },
        { "window", Good with { Window = null } },
        { "window", Good with { Window = "30" } },
        { "window", Good with { Window = "0s" } },
        { "window", Good with { Window = "11m" } },
        { "above", Good with { Above = null, Below = null } },
        { "above", Good with { Above = double.NaN } },
        { "below", Good with { Below = double.PositiveInfinity } },
        { "below", Good with { Above = 10, Below = 20 } },
        { "for", Good with { For = null } },
        { "for", Good with { For = "soon" } },
        { "for", Good with { For = "2d" } },
        { "alert.severity", Good with { Alert = new RuleAlert("page") } },
        { "alert.summary", Good with { Alert = new RuleAlert("warning", new string('s', 1025)) } },
        { "scale", Good with { Selector = new RuleSelector(ComposeService: "shop/web") } },
        { "scale.min", Good with { Scale = new RuleScale(null, 5) } },
        { "scale.min", Good with { Scale = new RuleScale(-1, 5) } },
        { "scale.max", Good with { Scale = new RuleScale(1, null) } },
        { "scale.max", Good with { Scale = new RuleScale(3, 2) } },
        { "scale.max", Good with { Scale = new RuleScale(0, 0) } },
        { "scale.step", Good with { Scale = new RuleScale(1, 5, 0) } },
        { "scale.step", Good with { Scale = new RuleScale(1, 5, 6) } },
        { "scale.cooldown", Good with { Scale = new RuleScale(1, 5, 1, "a minute") } },
    };

    [Fact]
    public void Validate_WellFormedRule_Accepts()
    {
        Assert.Null(RuleValidator.Validate(Good, Window));
        Assert.Null(RuleValidator.Validate(Good with { Selector = new RuleSelector(Label: "tier=web"), Scale = null, Below = null }, Window));
        Assert.Null(RuleValidator.Validate(Good with { Window = "10m", For = "0s", Alert = null, Scale = new RuleScale(0, 1) }, Window));
    }

    [Theory]
    [MemberData(nameof(WrongFields))]
    public void Validate_FieldWrong_NamesTheField(string field, RuleDefinition rule)
    {
        var error = RuleValidator.Validate(rule, Window);

        Assert.NotNull(error);
        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void Validate_NoRule_NamesTheBody()
    {
        Assert.Equal("rule", RuleValidator.Validate(null, Window)?.Field);
    }

    [Theory]
    [InlineData("cpu-hot", true)]
    [InlineData("web.cpu_1", true)]
    [InlineData("", false)]
    [InlineData("-lead", false)]
    [InlineData("has space", false)]
    [InlineData("slash/ed", false)]
    [InlineData("ünicode", false)]
    public void IsValidName_Name_ReturnsWhetherAllowed(string name, bool valid)
    {
        Assert.Equal(valid, RuleValidator.IsValidName(name));
        Assert.False(RuleValidator.IsValidName(new string('a', RuleValidator.MaxNameLength + 1)));
    }

    [Fact]
    public void ToLimits_ScaleBlock_MapsToScaleLimits()
    {
        var limits = new RuleScale(1, 5, 2, "90s").ToLimits();

        Assert.Equal(new Contracts.Scaling.ScaleLimits(1, 5, 2, TimeSpan.FromSeconds(90)), limits);
        Assert.Equal(new Contracts.Scaling.ScaleLimits(0, 3, 1, RuleScale.DefaultCooldown), new RuleScale(0, 3).ToLimits());
    }
}
