// Builds the plotly.js partial bundle for the reports (run by scripts/build_plotly_bundle.py,
// which installs the pinned npm packages next to a copy of this file and adds the header).
//
//   node plotly_bundle.mjs OUTFILE TRACE [TRACE ...]
//
// The bundle is plotly.js/lib/core (scatter, all layout components, the modebar) plus the
// named trace modules, as an IIFE that sets `window.Plotly`, minified with esbuild. Like the
// bundles plotly.js publishes, the attribute documentation (`description`, `hrName`,
// `requiredOpts`, `otherOpts` – used only by the plot schema's docs) is left out; here it is
// removed on the syntax tree (acorn), and only where the value is made of string literals.
//
// Two packages that only serve features the reports never use are replaced by empty modules
// (`LEFT_OUT`, about 140 KB): the country-name lookup of `locationmode: 'country names'`
// (the maps use their own GeoJSON) and d3-geo-projection, the 69 map projections beyond the
// 15 of d3-geo (the maps use mercator). The build prints both lists; the manifest records
// the projections that remain, and tests/test_plotly_bundle.py checks our figures use no other.
import { build } from 'esbuild';
import * as acorn from 'acorn';
import fs from 'node:fs';

const [outfile, ...traces] = process.argv.slice(2);
if (!outfile || traces.length === 0) {
    console.error('usage: node plotly_bundle.mjs OUTFILE TRACE [TRACE ...]');
    process.exit(2);
}

const LEFT_OUT = {
    // geo_location_utils destructures these; an empty list finds no country by name
    'country-iso-search': 'module.exports = { COUNTRIES: [], createLookup: function () '
        + '{ return { lookupAlpha3: function () { return undefined; } }; } };',
    // geo.js looks a projection up in d3-geo first, then here
    'd3-geo-projection': 'module.exports = {};',
};

const leaveOut = {
    name: 'leave-out-unused',
    setup(b) {
        const names = new RegExp('^(' + Object.keys(LEFT_OUT).join('|') + ')$');
        b.onResolve({ filter: names }, (args) => ({ path: args.path, namespace: 'left-out' }));
        b.onLoad({ filter: /.*/, namespace: 'left-out' },
            (args) => ({ contents: LEFT_OUT[args.path], loader: 'js' }));
    },
};

const META = new Set(['description', 'hrName', 'requiredOpts', 'otherOpts']);

// true for 'a', 'a' + 'b', ['a', 'b'], ['a', 'b'].join(' ') and parentheses around them
function onlyText(node) {
    switch (node.type) {
        case 'Literal': return typeof node.value === 'string';
        case 'TemplateLiteral': return node.expressions.length === 0;
        case 'BinaryExpression': return node.operator === '+' && onlyText(node.left) && onlyText(node.right);
        case 'ArrayExpression': return node.elements.every((e) => e !== null && onlyText(e));
        case 'CallExpression':
            return node.callee.type === 'MemberExpression' && !node.callee.computed
                && node.callee.property.name === 'join' && onlyText(node.callee.object)
                && node.arguments.every(onlyText);
        default: return false;
    }
}

function withoutMeta(source, file) {
    const ast = acorn.parse(source, { ecmaVersion: 'latest', sourceType: 'script' });
    const cuts = [];
    (function walk(node) {
        if (!node || typeof node.type !== 'string') return;
        if (node.type === 'ObjectExpression') {
            node.properties.forEach((prop, i) => {
                const key = prop.type === 'Property' && !prop.computed
                    && (prop.key.name ?? prop.key.value);
                if (META.has(key) && onlyText(prop.value)) {
                    // cut the property and the comma after it (or before it, if last)
                    const next = node.properties[i + 1];
                    const end = next ? next.start : prop.end;
                    const start = next || i === 0 ? prop.start : node.properties[i - 1].end;
                    cuts.push([start, end]);
                }
            });
        }
        for (const value of Object.values(node)) {
            if (Array.isArray(value)) value.forEach(walk);
            else if (value && typeof value.type === 'string') walk(value);
        }
    })(ast);
    if (cuts.length === 0) return source;
    let out = '';
    let at = 0;
    for (const [start, end] of cuts.sort((a, b) => a[0] - b[0])) {
        if (start < at) throw new Error(`overlapping cut in ${file}`);
        out += source.slice(at, start);
        at = end;
    }
    return out + source.slice(at);
}

const stripMeta = {
    name: 'strip-attribute-docs',
    setup(b) {
        b.onLoad({ filter: /[\\/]plotly\.js[\\/]src[\\/].*\.js$/ }, async (args) => {
            const source = await fs.promises.readFile(args.path, 'utf8');
            return { contents: withoutMeta(source, args.path), loader: 'js' };
        });
    },
};

const entry = ["var Plotly = require('plotly.js/lib/core');", 'Plotly.register(['
    + traces.map((t) => `require('plotly.js/lib/${t}')`).join(', ') + ']);',
    'module.exports = Plotly;'].join('\n');

await build({
    stdin: { contents: entry, resolveDir: process.cwd(), sourcefile: 'entry.js' },
    outfile,
    bundle: true,
    format: 'iife',
    globalName: 'Plotly',
    footer: { js: 'window.Plotly = Plotly;' },
    minify: true,
    legalComments: 'eof',  // the licence notices of bundled packages stay in the file
    target: 'es2016',
    define: { global: 'window', 'define.amd': 'false' },
    alias: { stream: 'stream-browserify' },
    plugins: [leaveOut, stripMeta],
    logLevel: 'warning',
});

// the map projections that still work: plotly's projection types found in d3-geo
const { projNames } = await import('plotly.js/src/plots/geo/constants.js');
const d3geo = await import('d3-geo');
const title = (name) => 'geo' + name.charAt(0).toUpperCase() + name.slice(1);
const projections = Object.keys(projNames).filter((type) => title(projNames[type]) in d3geo);
fs.writeFileSync(outfile + '.json', JSON.stringify({
    left_out: Object.keys(LEFT_OUT), projections,
}, null, 2));
