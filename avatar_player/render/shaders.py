"""GLSL 3.30 core shaders: one triangle per Gaussian disc, premultiplied output.

The triangle circumscribes the disc's cut circle (u_extent sigmas): a third more area than
a square quad, but half the triangles, and a software rasteriser (llvmpipe) pays more per
triangle set up than per fragment (measured: 23 against 29 ms for the low tier at the
default view size)."""

TEXTURE_WIDTH = 1024
"""Texels per row of the splat data textures."""
CORNERS = 3
"""Vertices per splat (one triangle)."""

VERTEX = (
    f"""
#version 330 core
const int TEXTURE_WIDTH = {TEXTURE_WIDTH};
const int CORNER_COUNT = {CORNERS};
"""
    + """
uniform sampler2D u_geometry;  // 3 texels per splat: centre, axis u, axis v (xyz)
uniform sampler2D u_colour;    // 1 texel per splat: rgb, opacity
uniform mat4 u_view_projection;
uniform vec4 u_view_depth;     // the view matrix's z row: camera z of a point
uniform float u_focal_px;      // pixels per metre at 1 m depth
uniform float u_min_sigma_px;  // smaller discs grow to this and fade (keeps coverage)
uniform float u_extent;        // radius of the disc's cut in sigmas (the tier's)
layout(location = 0) in uint a_splat;  // this vertex's splat (corner: gl_VertexID % CORNER_COUNT)
out vec2 v_offset;
flat out vec4 v_colour;

// An equilateral triangle around the unit circle.
const vec2 CORNERS[CORNER_COUNT] = vec2[CORNER_COUNT](
    vec2(0.0, 2.0), vec2(-1.7320508, -1.0), vec2(1.7320508, -1.0));

vec4 fetch(sampler2D data, int i) {
    return texelFetch(data, ivec2(i % TEXTURE_WIDTH, i / TEXTURE_WIDTH), 0);
}

void main() {
    int i = int(a_splat);
    vec3 centre = fetch(u_geometry, 3 * i).xyz;
    vec3 axis_u = fetch(u_geometry, 3 * i + 1).xyz;
    vec3 axis_v = fetch(u_geometry, 3 * i + 2).xyz;
    vec4 colour = fetch(u_colour, i);
    float pixels = u_focal_px / max(-dot(u_view_depth, vec4(centre, 1.0)), 1e-3);
    float grow_u = max(u_min_sigma_px / max(length(axis_u) * pixels, 1e-6), 1.0);
    float grow_v = max(u_min_sigma_px / max(length(axis_v) * pixels, 1e-6), 1.0);
    colour.a /= grow_u * grow_v;
    vec2 offset = CORNERS[gl_VertexID % CORNER_COUNT] * u_extent;
    vec3 world = centre + offset.x * grow_u * axis_u + offset.y * grow_v * axis_v;
    gl_Position = u_view_projection * vec4(world, 1.0);
    v_offset = offset;
    v_colour = colour;
}
"""
)

FRAGMENT = """
#version 330 core
uniform float u_extent;
uniform float u_coverage;  // the Gaussian's gain before clamping to 1 (the tier's)
in vec2 v_offset;
flat in vec4 v_colour;
out vec4 o_colour;

void main() {
    float r2 = dot(v_offset, v_offset);
    float alpha = v_colour.a * min(u_coverage * exp(-0.5 * r2), 1.0);
    if (r2 > u_extent * u_extent || alpha < 1.0 / 255.0) discard;
    o_colour = vec4(v_colour.rgb * alpha, alpha);
}
"""
