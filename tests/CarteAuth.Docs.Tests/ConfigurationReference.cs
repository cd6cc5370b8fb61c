using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using CarteAuth.Testing;
using Microsoft.Extensions.Options;

namespace CarteAuth.Docs.Tests;

/// <summary>
/// Writes docs/configuration.md from the options types: every public <c>*Options</c> class of the src projects and the
/// settings types reachable from their properties (e.g. <c>PolicyDefinition</c>), with each property's type, its default
/// (read from a new instance), its description (the XML documentation file's <c>summary</c>), the configuration section
/// it is bound from (<see cref="Bindings"/>), the code that configures it, its validation method and its limits
/// (public constants). Everything is sorted: the output only changes when the code does.
/// </summary>
internal static partial class ConfigurationReference
{
    /// <summary>A public method that binds an options type from an <see cref="IConfiguration"/>, and the section name used by convention.</summary>
    internal sealed record Binding(string Method, Type Options, string Section, string Convention);

    /// <summary>
    /// Every public method of the src projects that takes an <see cref="IConfiguration"/> (checked both ways by
    /// <see cref="ConfigurationReferenceTests"/>): which options it binds and the section the samples and the CLI use.
    /// </summary>
    internal static readonly Binding[] Bindings =
    [
        new("CarteAuthPolicyServiceCollectionExtensions.AddCarteAuthPolicies", typeof(Policies.CarteAuthPolicyOptions), Policies.CarteAuthPolicyOptions.SectionName,
            "`services.AddCarteAuthPolicies(configuration.GetSection(\"CarteAuth\"))` (`CarteAuthPolicyOptions.SectionName`; the samples, the template and `carteauth radius serve` use it)"),
        new("PolicyConfigurationLoader.Bind", typeof(Policies.CarteAuthPolicyOptions), Policies.CarteAuthPolicyOptions.SectionName,
            "`PolicyConfigurationLoader.Bind(configuration.GetSection(\"CarteAuth\"))`"),
        new("CarteAuthSessionTokenServiceCollectionExtensions.AddCarteAuthSessionTokens", typeof(Tokens.SessionTokenOptions),
            Microsoft.Extensions.DependencyInjection.CarteAuthSessionTokenServiceCollectionExtensions.SectionName,
            "`services.AddCarteAuthSessionTokens(keys, configuration.GetSection(\"CarteAuth:SessionTokens\"))` (`CarteAuthSessionTokenServiceCollectionExtensions.SectionName`; unknown keys are errors)"),
        new("RadiusServiceCollectionExtensions.AddCarteAuthRadius", typeof(Gateway.Radius.RadiusServerOptions), "Radius",
            "`services.AddCarteAuthRadius(configuration.GetSection(\"Radius\"))` (the section of the `carteauth radius serve --config` file)"),
        new("CarteAuthGatewayExtensions.AddForwardAuth", typeof(Gateway.ForwardAuthOptions), "Gateway:ForwardAuth",
            "`builder.AddForwardAuth(configuration.GetSection(\"Gateway:ForwardAuth\"))` (the section samples/RemoteAccessGateway uses)"),
    ];

    /// <summary>Sections bound by the CLI or the samples without a public binding method: (options, section, how, file that must say so).</summary>
    internal static readonly (Type Options, string Section, string Convention, string File, string Evidence)[] OtherBindings =
    [
        (typeof(Oidc.ProSanteConnectOptions), "ProSanteConnect",
            "the optional section of the `carteauth radius serve --config` file (e-CPS push); an application can bind it the same way: `AddCarteAuthProSanteConnect(o => configuration.GetSection(\"ProSanteConnect\").Bind(o))`",
            "src/CarteAuth.Cli/RadiusCommands.cs", "GetSection(\"ProSanteConnect\").Bind(o)"),
    ];

    private static readonly NullabilityInfoContext Nullability = new();

    /// <summary>The assemblies of the src projects (one per src/*/*.csproj, by its AssemblyName).</summary>
    public static IReadOnlyList<Assembly> SourceAssemblies()
    {
        var assemblies = new List<Assembly>();
        foreach (var project in Directory.GetFiles(RepositoryPaths.Of("src"), "*.csproj", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var name = XDocument.Load(project).Descendants("AssemblyName").FirstOrDefault()?.Value ?? Path.GetFileNameWithoutExtension(project);
            try
            {
                assemblies.Add(Assembly.Load(new AssemblyName(name)));
            }
            catch (FileNotFoundException e)
            {
                throw new InvalidOperationException($"{project} is not referenced by tests/CarteAuth.Docs.Tests: add a ProjectReference so its options are documented ({e.Message}).", e);
            }
        }

        return assemblies;
    }

    /// <summary>The public static methods of <paramref name="assemblies"/> with an <see cref="IConfiguration"/> parameter, as <c>Type.Method</c>.</summary>
    public static IReadOnlyList<string> ConfigurationMethods(IEnumerable<Assembly> assemblies) =>
        [.. assemblies.SelectMany(a => a.GetExportedTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.GetParameters().Any(p => typeof(IConfiguration).IsAssignableFrom(p.ParameterType)))
            .Select(m => m.DeclaringType!.Name + "." + m.Name)
            .Distinct()
            .Order(StringComparer.Ordinal)];

    /// <summary>The public options types (roots) and the settings types reachable from their properties, sorted by package and name.</summary>
    public static IReadOnlyList<Type> DocumentedTypes(IReadOnlyList<Assembly> assemblies)
    {
        var set = new HashSet<Assembly>(assemblies);
        var roots = assemblies.SelectMany(a => a.GetExportedTypes())
            .Where(t => t.IsClass && !t.IsAbstract && !t.IsGenericType && t.Name.EndsWith("Options", StringComparison.Ordinal)
                && !t.GetInterfaces().Any(i => i.IsGenericType && i.Namespace == typeof(IOptions<>).Namespace));
        var found = new HashSet<Type>();
        var queue = new Queue<Type>(roots);
        while (queue.TryDequeue(out var type))
        {
            if (!found.Add(type))
            {
                continue;
            }

            foreach (var property in Properties(type, set))
            {
                if (SettingsType(property.PropertyType) is { } element && set.Contains(element.Assembly) && IsSettingsClass(element))
                {
                    queue.Enqueue(element);
                }
            }
        }

        return [.. found.OrderBy(t => t.Assembly.GetName().Name, StringComparer.Ordinal).ThenBy(t => t.Name, StringComparer.Ordinal)];
    }

    /// <summary>docs/configuration.md.</summary>
    public static string Generate()
    {
        var assemblies = SourceAssemblies();
        var set = new HashSet<Assembly>(assemblies);
        var types = DocumentedTypes(assemblies);
        var documented = types.ToHashSet();
        var docs = new XmlDocs(assemblies);
        var paths = SectionPaths(types, set);
        var parents = types.SelectMany(t => Properties(t, set).Select(p => (Parent: t, Property: p)))
            .Where(x => SettingsType(x.Property.PropertyType) is { } e && documented.Contains(e))
            .ToLookup(x => SettingsType(x.Property.PropertyType)!);
        var codeConfiguration = assemblies.SelectMany(a => a.GetExportedTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .SelectMany(m => m.GetParameters().Select(p => (Method: m, Parameter: p.ParameterType)))
            .Where(x => x.Parameter.IsGenericType && x.Parameter.GetGenericTypeDefinition() == typeof(Action<>))
            .ToLookup(x => x.Parameter.GetGenericArguments()[0], x => x.Method);
        var validators = assemblies.SelectMany(a => a.GetExportedTypes())
            .SelectMany(t => t.GetInterfaces().Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IValidateOptions<>)).Select(i => (Validator: t, Options: i.GetGenericArguments()[0])))
            .ToLookup(x => x.Options, x => x.Validator);

        var md = new StringBuilder();
        md.Append("""
            # Configuration reference

            <!-- Generated by tests/CarteAuth.Docs.Tests (ConfigurationReference.cs) from the options types and their XML
                 documentation. Do not edit: change the code's <summary>, then run scripts/update-config-reference.sh. -->

            Every settings type of the CarteAuth packages: its properties, their types, their defaults (read from a new
            instance) and their descriptions (the XML documentation of the code). The test
            `ConfigurationReferenceTests` fails when this page and the code disagree; `scripts/update-config-reference.sh`
            regenerates it.

            How to read it:
            - **Configuration section**: where the settings are read from when they are bound from `IConfiguration`
              (appsettings.json, environment variables, command line). Keys nest with `:` (`CarteAuth:Policies:<name>:MinimumAssurance`);
              in environment variables use `__` (`CarteAuth__Policies__dossier-patient__MinimumAssurance=High`). Lists are
              JSON arrays (`:0`, `:1`, … in flat keys), dictionaries JSON objects. The section is the caller's choice: the
              one shown is the convention of the samples, the template and the CLI.
            - Types with no configuration section are set in code (`services.AddCarteAuth(o => …)` and the like).
            - **code only** marks a property the configuration binder cannot set (certificates, keys, clocks): set it in code.
            - `TimeSpan` values are written `[d.]hh:mm:ss` (`00:05:00` is 5 minutes, `1.00:00:00` one day); enums by name.
            - **Validation**: the method that checks the settings (most run at start and stop the host with a reason code
              from [reason-codes.md](reason-codes.md) naming every problem).


            """);
        md.Append("## Contents\n\n");
        foreach (var group in types.GroupBy(t => t.Assembly.GetName().Name))
        {
            md.Append(CultureInfo.InvariantCulture, $"- {group.Key}: {string.Join(", ", group.Select(t => $"[{t.Name}](#{Anchor(t)})"))}\n");
        }

        foreach (var group in types.GroupBy(t => t.Assembly.GetName().Name))
        {
            md.Append(CultureInfo.InvariantCulture, $"\n## {group.Key}\n");
            foreach (var type in group)
            {
                md.Append(CultureInfo.InvariantCulture, $"\n### {type.Name}\n\n");
                md.Append(CultureInfo.InvariantCulture, $"`{type.FullName!.Replace('+', '.')}`");
                if (docs.Summary(type) is { Length: > 0 } summary)
                {
                    md.Append(": ").Append(summary);
                }

                md.Append('\n');
                var facts = new StringBuilder();
                foreach (var binding in Bindings.Where(b => b.Options == type).Select(b => b.Convention)
                    .Concat(OtherBindings.Where(b => b.Options == type).Select(b => b.Convention)))
                {
                    facts.Append(CultureInfo.InvariantCulture, $"- Bound by {binding}.\n");
                }

                if (paths.TryGetValue(type, out var sections))
                {
                    facts.Append(CultureInfo.InvariantCulture, $"- **Configuration section:** {string.Join(", ", sections.Order(StringComparer.Ordinal).Select(s => $"`{s}`"))}\n");
                }

                foreach (var (parent, property) in parents[type].OrderBy(x => x.Parent.Name, StringComparer.Ordinal).ThenBy(x => x.Property.Name, StringComparer.Ordinal))
                {
                    facts.Append(CultureInfo.InvariantCulture, $"- Part of [{parent.Name}](#{Anchor(parent)}): `{property.Name}`.\n");
                }

                var methods = codeConfiguration[type].Select(m => $"`{m.Name}({string.Join(", ", m.GetParameters().Select(p => FriendlyName(p.ParameterType)))})`")
                    .Distinct().Order(StringComparer.Ordinal).ToList();
                if (methods.Count > 0)
                {
                    facts.Append(CultureInfo.InvariantCulture, $"- **Set in code** with {string.Join(", ", methods)}.\n");
                }

                foreach (var validate in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                    .Where(m => m.Name.StartsWith("Validate", StringComparison.Ordinal)).OrderBy(m => m.Name, StringComparer.Ordinal).ThenBy(m => m.GetParameters().Length))
                {
                    facts.Append(CultureInfo.InvariantCulture, $"- **Validation:** `{validate.Name}({string.Join(", ", validate.GetParameters().Select(p => FriendlyName(p.ParameterType)))})`");
                    if (docs.Exceptions(validate) is { Length: > 0 } exceptions)
                    {
                        facts.Append(": throws ").Append(exceptions);
                    }
                    else if (docs.Summary(validate) is { Length: > 0 } validateSummary)
                    {
                        facts.Append(": ").Append(validateSummary.TrimEnd('.'));
                    }

                    facts.Append(".\n");
                }

                foreach (var validator in validators[type].OrderBy(t => t.Name, StringComparer.Ordinal))
                {
                    facts.Append(CultureInfo.InvariantCulture, $"- **Validation:** `{validator.Name}` (`IValidateOptions<{type.Name}>`, run by the options system).\n");
                }

                if (type.BaseType is { } baseType && baseType != typeof(object) && !set.Contains(baseType.Assembly))
                {
                    facts.Append(CultureInfo.InvariantCulture, $"- Also has the settings of `{FriendlyName(baseType)}` ({baseType.Namespace}), not listed here.\n");
                }

                if (facts.Length > 0)
                {
                    md.Append('\n').Append(facts);
                }

                AppendProperties(md, type, set, documented, docs, paths.ContainsKey(type));
                AppendConstants(md, type, docs);
            }
        }

        return md.ToString().ReplaceLineEndings("\n");
    }

    /// <summary>
    /// The properties whose summary states a default ("default 5 minutes", "Default `carteauth`", "default true", "(default
    /// 16384") that is not the value a new instance has: "property: says …, is …". Only plain statements of scalars are read.
    /// </summary>
    public static IReadOnlyList<string> StatedDefaultMismatches(out int checkedCount)
    {
        checkedCount = 0;
        var assemblies = SourceAssemblies();
        var set = new HashSet<Assembly>(assemblies);
        var docs = new XmlDocs(assemblies);
        var mismatches = new List<string>();
        foreach (var type in DocumentedTypes(assemblies))
        {
            if (NewInstance(type) is not { } instance)
            {
                continue;
            }

            foreach (var property in Properties(type, set))
            {
                var summary = docs.Summary(property);
                var value = property.GetValue(instance.Value);
                var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                List<string> stated;
                string actual;
                if (propertyType == typeof(TimeSpan) && value is TimeSpan span)
                {
                    stated = [.. StatedTimeSpan().Matches(summary).Select(m => ParseTimeSpan(m.Groups[1].Value, m.Groups[2].Value).ToString("c", CultureInfo.InvariantCulture))];
                    actual = span.ToString("c", CultureInfo.InvariantCulture);
                }
                else if (propertyType == typeof(int) && value is int number)
                {
                    stated = [.. StatedNumber().Matches(summary).Select(m => ParseNumber(m.Groups[1].Value, m.Groups[2].Value))];
                    actual = number.ToString(CultureInfo.InvariantCulture);
                }
                else if (propertyType == typeof(bool) && value is bool flag)
                {
                    stated = [.. StatedBoolean().Matches(summary).Select(m => m.Groups[1].Value.ToLowerInvariant())];
                    actual = flag ? "true" : "false";
                }
                else if ((propertyType == typeof(string) || propertyType.IsEnum) && value is not null)
                {
                    stated = [.. StatedCode().Matches(summary).Select(m => propertyType.IsEnum ? m.Groups[1].Value.Split('.')[^1] : m.Groups[1].Value)];
                    actual = value.ToString()!;
                }
                else
                {
                    continue;
                }

                checkedCount += stated.Count > 0 ? 1 : 0;
                if (stated.Count > 0 && !stated.Contains(actual))
                {
                    mismatches.Add($"{type.Name}.{property.Name}: the summary says default {string.Join(" / ", stated)}, a new instance has {actual}");
                }
            }
        }

        return mismatches;
    }

    private static TimeSpan ParseTimeSpan(string amount, string unit)
    {
        var n = amount.ToLowerInvariant() switch { "one" or "a" or "an" => 1d, var x => double.Parse(x.Replace(',', '.'), CultureInfo.InvariantCulture) };
        return unit.ToLowerInvariant() switch
        {
            "second" => TimeSpan.FromSeconds(n),
            "minute" => TimeSpan.FromMinutes(n),
            "hour" => TimeSpan.FromHours(n),
            "day" => TimeSpan.FromDays(n),
            _ => TimeSpan.FromDays(7 * n),
        };
    }

    private static string ParseNumber(string digits, string unit)
    {
        var n = long.Parse(digits.Replace(" ", string.Empty, StringComparison.Ordinal).Replace("\u00a0", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal), CultureInfo.InvariantCulture);
        return (unit switch { "KiB" => n * 1024, "MiB" => n * 1024 * 1024, _ => n }).ToString(CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"(?i)\bdefault(?: is)?:? (\d+(?:[.,]\d+)?|one|an?) (second|minute|hour|day|week)s?\b")]
    private static partial Regex StatedTimeSpan();

    [GeneratedRegex(@"(?i)\bdefault(?: is)?:? (\d{1,3}(?:[ \u00a0_]\d{3})+|\d+)(?: ?(KiB|MiB)\b)?(?! ?(?:second|minute|hour|day|week|%))")]
    private static partial Regex StatedNumber();

    [GeneratedRegex(@"(?i)\bdefault(?: is)?:? (true|false)\b")]
    private static partial Regex StatedBoolean();

    [GeneratedRegex(@"(?i)\bdefault(?: is)?:? `([^`]+)`")]
    private static partial Regex StatedCode();

    private static void AppendProperties(StringBuilder md, Type type, HashSet<Assembly> set, HashSet<Type> documented, XmlDocs docs, bool bound)
    {
        var defaults = NewInstance(type);
        md.Append("\n| Property | Type | Default | Description |\n|---|---|---|---|\n");
        foreach (var property in Properties(type, set).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            var typeName = Code(FriendlyName(property.PropertyType, Nullability.Create(property)));
            if (bound && !IsBindable(property.PropertyType, documented))
            {
                typeName += " (code only)";
            }

            var value = defaults is null ? "—" : FormatValue(property.GetValue(defaults.Value), documented);
            var description = docs.Summary(property);
            var enumType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (SettingsType(enumType) is { IsEnum: true } e)
            {
                enumType = e;
            }

            if (enumType.IsEnum)
            {
                description += $" Values: {string.Join(", ", Enum.GetNames(enumType).Select(n => $"`{n}`"))}.";
            }

            md.Append(CultureInfo.InvariantCulture, $"| `{property.Name}` | {typeName} | {Cell(value)} | {Cell(description.Trim())} |\n");
        }
    }

    private static void AppendConstants(StringBuilder md, Type type, XmlDocs docs)
    {
        var members = type.GetFields(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly).Select(f => (Member: (MemberInfo)f, Value: f.GetValue(null)))
            .Concat(type.GetProperties(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly).Where(p => p.GetMethod is not null && p.GetIndexParameters().Length == 0)
                .Select(p => (Member: (MemberInfo)p, Value: p.GetValue(null))))
            .OrderBy(x => x.Member.Name, StringComparer.Ordinal)
            .ToList();
        if (members.Count == 0)
        {
            return;
        }

        md.Append("\nConstants and limits:\n\n");
        foreach (var (member, value) in members)
        {
            md.Append(CultureInfo.InvariantCulture, $"- `{type.Name}.{member.Name}` = {FormatValue(value, [])}: {docs.Summary(member).Trim()}\n");
        }
    }

    /// <summary>The configuration paths of every bound type and of the settings types below them.</summary>
    private static Dictionary<Type, HashSet<string>> SectionPaths(IReadOnlyList<Type> types, HashSet<Assembly> set)
    {
        var documented = types.ToHashSet();
        var paths = new Dictionary<Type, HashSet<string>>();
        void Walk(Type type, string path, int depth)
        {
            if (depth > 8 || !(paths.TryGetValue(type, out var known) ? known : paths[type] = []).Add(path))
            {
                return;
            }

            foreach (var property in Properties(type, set))
            {
                var propertyType = property.PropertyType;
                if (documented.Contains(propertyType))
                {
                    Walk(propertyType, path + ":" + property.Name, depth + 1);
                }
                else if (SettingsType(propertyType) is { } element && documented.Contains(element))
                {
                    var key = DictionaryValueType(propertyType) is not null ? "<name>" : "<index>";
                    Walk(element, path + ":" + property.Name + ":" + key, depth + 1);
                }
            }
        }

        foreach (var (options, section) in Bindings.Select(b => (b.Options, b.Section)).Concat(OtherBindings.Select(b => (b.Options, b.Section))).Distinct())
        {
            Walk(options, section, 0);
        }

        return paths;
    }

    /// <summary>The public instance properties declared in the src assemblies (inherited ones included, ASP.NET Core's base settings not).</summary>
    private static IEnumerable<PropertyInfo> Properties(Type type, HashSet<Assembly> set) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && set.Contains(p.DeclaringType!.Assembly) && p.GetMethod is { IsPublic: true })
            .GroupBy(p => p.Name)
            .Select(g => g.OrderByDescending(p => Depth(p.DeclaringType!)).First()); // a `new` property hides the base one

    private static int Depth(Type type)
    {
        var depth = 0;
        for (var t = type; t is not null; t = t.BaseType)
        {
            depth++;
        }

        return depth;
    }

    /// <summary>A class with settable properties and no "Events" role (ASP.NET Core event callbacks are code, not settings).</summary>
    private static bool IsSettingsClass(Type type) =>
        type.IsClass && !type.IsAbstract && !type.IsGenericType && !type.Name.EndsWith("Events", StringComparison.Ordinal)
        && type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Any(p => p.SetMethod is { IsPublic: true });

    /// <summary>The type itself, the element type of a collection or the value type of a dictionary (nullable unwrapped).</summary>
    private static Type? SettingsType(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return type;
        }

        if (DictionaryValueType(type) is { } value)
        {
            return value;
        }

        return EnumerableElementType(type) ?? type;
    }

    private static Type? DictionaryValueType(Type type) =>
        (type.IsGenericType && type.GetGenericTypeDefinition() is var d && (d == typeof(IDictionary<,>) || d == typeof(IReadOnlyDictionary<,>) || d == typeof(Dictionary<,>))
            ? type : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>)))
        ?.GetGenericArguments()[1];

    private static Type? EnumerableElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>) ? type : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>)))
            ?.GetGenericArguments()[0];

    /// <summary>Whether the configuration binder can set a property of this type from strings (scalars with a string converter, their collections, documented settings classes).</summary>
    private static bool IsBindable(Type type, HashSet<Type> documented)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string) || type.IsPrimitive || type.IsEnum || documented.Contains(type))
        {
            return true;
        }

        var converter = TypeDescriptor.GetConverter(type);
        if (converter.GetType() != typeof(TypeConverter) && converter.CanConvertFrom(typeof(string)))
        {
            return true;
        }

        if (DictionaryValueType(type) is { } value)
        {
            return IsBindable(value, documented);
        }

        return EnumerableElementType(type) is { } element && IsBindable(element, documented);
    }

    /// <summary>A new instance with the type's defaults: the parameterless constructor, or one whose parameters all have defaults.</summary>
    private static StrongBox<object>? NewInstance(Type type)
    {
        if (type.GetConstructor(Type.EmptyTypes) is { } parameterless)
        {
            return new(parameterless.Invoke(null));
        }

        var optional = type.GetConstructors().FirstOrDefault(c => c.GetParameters().All(p => p.HasDefaultValue));
        return optional is null ? null : new(optional.Invoke([.. optional.GetParameters().Select(p => p.DefaultValue)]));
    }

    private sealed class StrongBox<T>(T value)
    {
        public T Value { get; } = value;
    }

    /// <summary>A default value in Markdown: scalars in code, collections as <c>[a, b]</c> (sets sorted), settings types as links.</summary>
    private static string FormatValue(object? value, HashSet<Type> documented)
    {
        return value switch
        {
            null => "`null`",
            string { Length: 0 } => "*(empty)*",
            _ when documented.Contains(value.GetType()) => $"see [{value.GetType().Name}](#{Anchor(value.GetType())})",
            TimeProvider when ReferenceEquals(value, TimeProvider.System) => "`TimeProvider.System`",
            _ => Code(Raw(value)),
        };

        static string Raw(object? value) => value switch
        {
            null => "null",
            string s => s,
            bool b => b ? "true" : "false",
            TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
            Enum e => e.ToString(),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            IDictionary d => "{" + string.Join(", ", d.Keys.Cast<object>().Select(k => Raw(k) + ": " + Raw(d[k])).Order(StringComparer.Ordinal)) + "}",
            IEnumerable e when IsSet(value.GetType()) => "[" + string.Join(", ", e.Cast<object?>().Select(Raw).Order(StringComparer.Ordinal)) + "]",
            IEnumerable e => "[" + string.Join(", ", e.Cast<object?>().Select(Raw)) + "]",
            _ when value.GetType().GetMethod(nameof(ToString), Type.EmptyTypes)!.DeclaringType != typeof(object) => value.ToString() ?? string.Empty,
            _ => "new " + value.GetType().Name + "()",
        };

        static bool IsSet(Type type) => type.GetInterfaces().Any(i => i.IsGenericType && (i.GetGenericTypeDefinition() == typeof(ISet<>) || i.GetGenericTypeDefinition() == typeof(IReadOnlySet<>)));
    }

    /// <summary>The C# name of a type (<c>IList&lt;string&gt;?</c>), with the nullability of reference types when known.</summary>
    private static string FriendlyName(Type type, NullabilityInfo? nullability = null)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return FriendlyName(underlying) + "?";
        }

        var name = type switch
        {
            _ when type == typeof(string) => "string",
            _ when type == typeof(bool) => "bool",
            _ when type == typeof(int) => "int",
            _ when type == typeof(long) => "long",
            _ when type == typeof(double) => "double",
            _ when type == typeof(object) => "object",
            _ when type == typeof(byte) => "byte",
            { IsArray: true } => FriendlyName(type.GetElementType()!, nullability?.ElementType) + "[]",
            { IsGenericType: true } => type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)] + "<"
                + string.Join(", ", type.GetGenericArguments().Select((a, i) => FriendlyName(a, nullability?.GenericTypeArguments.ElementAtOrDefault(i)))) + ">",
            _ => type.Name,
        };
        return nullability is { ReadState: NullabilityState.Nullable } && !type.IsValueType ? name + "?" : name;
    }

    /// <summary>The GitHub anchor of a type's heading.</summary>
    private static string Anchor(Type type) => type.Name.ToLowerInvariant();

    private static string Code(string text) => text.Contains('`', StringComparison.Ordinal) ? $"`` {text} ``" : $"`{text}`";

    /// <summary>Text for a Markdown table cell: no line breaks, pipes escaped.</summary>
    private static string Cell(string text) => text.Replace("\n", " ", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal);

    /// <summary>The XML documentation files of the src assemblies (next to them in the test output), rendered as Markdown.</summary>
    private sealed partial class XmlDocs
    {
        private readonly Dictionary<string, XElement> _members = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Type> _types = new(StringComparer.Ordinal);

        public XmlDocs(IEnumerable<Assembly> assemblies)
        {
            foreach (var assembly in assemblies)
            {
                var file = Path.ChangeExtension(assembly.Location, ".xml");
                if (!File.Exists(file))
                {
                    throw new InvalidOperationException($"No XML documentation file {file}: the src projects set GenerateDocumentationFile (Directory.Build.props).");
                }

                foreach (var member in XDocument.Load(file).Descendants("member"))
                {
                    _members[member.Attribute("name")!.Value] = member;
                }

                foreach (var type in assembly.GetExportedTypes())
                {
                    _types[type.FullName!.Replace('+', '.')] = type;
                }
            }
        }

        /// <summary>The member's summary; an override's <c>inheritdoc</c> is the overridden method's.</summary>
        public string Summary(MemberInfo member)
        {
            if (Id(member) is { } id && _members.TryGetValue(id, out var element) && element.Element("summary") is { } summary)
            {
                return Render(summary);
            }

            return member is MethodInfo method && method.GetBaseDefinition() is var overridden && overridden != method ? Summary(overridden) : string.Empty;
        }

        /// <summary>The documented exceptions of a method: "<c>Type</c>: text; …".</summary>
        public string Exceptions(MethodInfo method)
        {
            if (!_members.TryGetValue(Id(method)!, out var element))
            {
                return string.Empty;
            }

            return string.Join("; ", element.Elements("exception").Select(e => $"{CrefText(e.Attribute("cref")?.Value ?? string.Empty)}: {Render(e).Trim().TrimEnd('.')}"));
        }

        private static string? Id(MemberInfo member) => member switch
        {
            Type t => "T:" + t.FullName!.Replace('+', '.'),
            PropertyInfo p => "P:" + p.DeclaringType!.FullName!.Replace('+', '.') + "." + p.Name,
            FieldInfo f => "F:" + f.DeclaringType!.FullName!.Replace('+', '.') + "." + f.Name,
            MethodInfo m => "M:" + m.DeclaringType!.FullName!.Replace('+', '.') + "." + m.Name
                + (m.GetParameters().Length == 0 ? string.Empty : "(" + string.Join(",", m.GetParameters().Select(p => DocIdType(p.ParameterType))) + ")"),
            _ => null,
        };

        /// <summary>A parameter type as XML documentation ids write it (<c>System.Collections.Generic.IList{System.String}</c>).</summary>
        private static string DocIdType(Type type) => type switch
        {
            { IsByRef: true } => DocIdType(type.GetElementType()!) + "@",
            { IsArray: true } => DocIdType(type.GetElementType()!) + "[]",
            { IsGenericType: true } => type.Namespace + "." + GenericArity().Replace(type.Name, string.Empty) + "{" + string.Join(",", type.GetGenericArguments().Select(DocIdType)) + "}",
            _ => type.FullName!.Replace('+', '.'),
        };

        private string Render(XElement element)
        {
            var text = new StringBuilder();
            foreach (var node in element.Nodes())
            {
                text.Append(node switch
                {
                    XText t => Escape(t.Value),
                    XElement { Name.LocalName: "c" or "code" } c => Code(WhiteSpace().Replace(c.Value, " ").Trim()),
                    XElement { Name.LocalName: "see" or "seealso" } s when s.Attribute("langword") is { } word => Code(word.Value),
                    XElement { Name.LocalName: "see" or "seealso" or "a" } s when s.Attribute("href") is { } href =>
                        $"[{(s.Value.Length > 0 ? Escape(s.Value) : href.Value)}]({href.Value})",
                    XElement { Name.LocalName: "see" or "seealso" } s when s.Value.Length > 0 => Render(s),
                    XElement { Name.LocalName: "see" or "seealso" } s => CrefText(s.Attribute("cref")?.Value ?? string.Empty),
                    XElement { Name.LocalName: "paramref" or "typeparamref" } p => Code(p.Attribute("name")?.Value ?? string.Empty),
                    XElement { Name.LocalName: "para" or "br" } p => " " + Render(p) + " ",
                    XElement { Name.LocalName: "list" } l => string.Join("; ", l.Elements("item").Select(i => Render(i).Trim())),
                    XElement other => Render(other),
                    _ => string.Empty,
                });
            }

            return WhiteSpace().Replace(text.ToString(), " ").Trim();
        }

        /// <summary>A cref as code: <c>Type</c>, <c>Type.Member</c>, or the value of a reason code constant.</summary>
        private string CrefText(string cref)
        {
            var name = cref.Length > 2 && cref[1] == ':' ? cref[2..] : cref;
            var parameters = name.IndexOf('(', StringComparison.Ordinal);
            if (parameters >= 0)
            {
                name = name[..parameters];
            }

            name = GenericArity().Replace(name, string.Empty);
            var parts = name.Split('.');
            if (cref.StartsWith("F:", StringComparison.Ordinal) && parts.Length > 1
                && _types.TryGetValue(string.Join('.', parts[..^1]), out var owner)
                && owner.GetField(parts[^1], BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field
                && field.GetValue(null) is string constant && owner.Name == "ReasonCodes")
            {
                return Code(constant);
            }

            return Code(cref.StartsWith("T:", StringComparison.Ordinal) || parts.Length < 2 ? parts[^1] : parts[^2] + "." + parts[^1]);
        }

        private static string Escape(string text) => text.Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

        [GeneratedRegex(@"\s+")]
        private static partial Regex WhiteSpace();

        [GeneratedRegex(@"`+\d+")]
        private static partial Regex GenericArity();
    }
}
