/* HTML dump: one self-contained page (no network). The module is embedded as JSON; a small script
 * lays each computation out in layers (longest path from the parameters), draws it as SVG, and
 * shows an instruction's full text, shape, attributes and source metadata when clicked. Each
 * instruction is one <g class="node OPCODE" data-instr="NAME"> (tests count them in the DOM). */
#include <string.h>

#include "dump_formats.h"
#include "print.h"

static void put_json_string(hloc_strbuf *b, const char *s) {
    hloc_strbuf_putc(b, '"');
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            hloc_strbuf_putc(b, '\\');
            hloc_strbuf_putc(b, (char)c);
        } else if (c == '<') {
            hloc_strbuf_puts(b, "\\u003c"); /* never close the <script> early */
        } else if (c < 0x20) {
            hloc_strbuf_printf(b, "\\u%04x", c);
        } else {
            hloc_strbuf_putc(b, (char)c);
        }
    }
    hloc_strbuf_putc(b, '"');
}

static void put_instr(hloc_strbuf *b, const hloc_instr *i) {
    hloc_print_options po = hloc_print_options_default();
    hloc_strbuf line = {0}, shape = {0};
    hloc_print_instr(&line, i, &po);
    hloc_print_shape(&shape, &i->shape);
    hloc_strbuf_printf(b, "{\"id\":%u,\"name\":", i->id);
    put_json_string(b, i->name);
    hloc_strbuf_puts(b, ",\"op\":");
    put_json_string(b, hloc_opcode_name(i->op));
    hloc_strbuf_puts(b, ",\"shape\":");
    put_json_string(b, shape.data ? shape.data : "");
    hloc_strbuf_puts(b, ",\"text\":");
    put_json_string(b, line.data ? line.data : "");
    hloc_strbuf_puts(b, ",\"operands\":[");
    for (uint32_t k = 0; k < i->n_operands; k++)
        hloc_strbuf_printf(b, "%s%u", k ? "," : "", i->operands[k]->id);
    hloc_strbuf_puts(b, "],\"calls\":[");
    for (uint32_t k = 0; k < i->n_called; k++)
        hloc_strbuf_printf(b, "%s%u", k ? "," : "", i->called[k]->id);
    hloc_strbuf_puts(b, "]");
    const hloc_metadata *md = &i->attrs->metadata;
    if (md->present) {
        hloc_strbuf_puts(b, ",\"source\":");
        hloc_strbuf s = {0};
        if (md->op_name) hloc_strbuf_printf(&s, "op_name: %s\n", md->op_name);
        if (md->op_type) hloc_strbuf_printf(&s, "op_type: %s\n", md->op_type);
        if (md->source_file)
            hloc_strbuf_printf(&s, "source: %s:%lld\n", md->source_file, (long long)md->source_line);
        put_json_string(b, s.data ? s.data : "");
        hloc_strbuf_free(&s);
    }
    hloc_strbuf_putc(b, '}');
    hloc_strbuf_free(&line);
    hloc_strbuf_free(&shape);
}

static const char page_head[] =
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>";
static const char page_style[] =
    "</title>\n<style>\n"
    "body{font:13px monospace;margin:0;display:flex;height:100vh}\n"
    "#graph{flex:3;overflow:auto;border-right:1px solid #ccc}\n"
    "#side{flex:1;overflow:auto;padding:8px;white-space:pre-wrap}\n"
    "h2{font-size:14px;margin:8px}\n"
    ".node rect{fill:#fff;stroke:#555;rx:4}.node.sel rect{stroke:#d32f2f;stroke-width:3}\n"
    ".node.parameter rect{fill:#fff3c4}.node.constant rect{fill:#eee}.node.fusion rect{fill:#c8e6c9}\n"
    ".node.dot rect,.node.convolution rect{fill:#ffcdd2}.node.reduce rect{fill:#bbdefb}\n"
    ".node{cursor:pointer}.edge{stroke:#888;fill:none}\n"
    "</style></head><body><div id=\"graph\"></div><div id=\"side\">Click an instruction.</div>\n"
    "<script>\nconst M=";
static const char page_script[] =
    ";\n"
    "const NS='http://www.w3.org/2000/svg',W=190,H=44,GX=24,GY=36;\n"
    "const byId={};M.comps.forEach(c=>c.instrs.forEach(i=>{byId[i.id]=i;i.comp=c.name}));\n"
    "function el(t,a,p){const e=document.createElementNS(NS,t);for(const k in a)e.setAttribute(k,a[k]);"
    "if(p)p.appendChild(e);return e}\n"
    "function show(i,g){document.querySelectorAll('.sel').forEach(e=>e.classList.remove('sel'));"
    "g.classList.add('sel');const s=document.getElementById('side');"
    "s.textContent=i.name+'\\n'+i.op+'  '+i.shape+'\\nin '+i.comp+'\\n\\n'+i.text+"
    "(i.source?'\\n\\nmetadata:\\n'+i.source:'')+'\\n\\noperands: '+"
    "i.operands.map(o=>byId[o].name).join(', ')}\n"
    "const root=document.getElementById('graph');\n"
    "M.comps.forEach(c=>{const h=document.createElement('h2');h.textContent=(c.entry?'ENTRY ':'')+c.name;"
    "root.appendChild(h);const layer={};let depth=0;"
    "c.instrs.forEach(i=>{let l=0;i.operands.forEach(o=>{if(o in layer)l=Math.max(l,layer[o]+1)});"
    "layer[i.id]=l;depth=Math.max(depth,l)});"
    "const rows=[];c.instrs.forEach(i=>{(rows[layer[i.id]]=rows[layer[i.id]]||[]).push(i)});"
    "const pos={};let wmax=0;rows.forEach((r,y)=>{r.forEach((i,x)=>{pos[i.id]=[GX+x*(W+GX),GY/2+y*(H+GY)]});"
    "wmax=Math.max(wmax,r.length)});"
    "const svg=el('svg',{width:GX+wmax*(W+GX),height:(depth+1)*(H+GY)+GY},root);"
    "c.instrs.forEach(i=>i.operands.forEach(o=>{if(!pos[o])return;const a=pos[o],b=pos[i.id];"
    "el('path',{class:'edge',d:`M${a[0]+W/2},${a[1]+H} C${a[0]+W/2},${a[1]+H+GY/2} ${b[0]+W/2},"
    "${b[1]-GY/2} ${b[0]+W/2},${b[1]}`},svg)}));"
    "c.instrs.forEach(i=>{const p=pos[i.id],g=el('g',{class:'node '+i.op,'data-instr':i.name,"
    "transform:`translate(${p[0]},${p[1]})`},svg);"
    "el('rect',{width:W,height:H},g);const t1=el('text',{x:6,y:16},g);t1.textContent="
    "(i.id===c.root?'ROOT ':'')+i.name;const t2=el('text',{x:6,y:34},g);t2.textContent=i.op+' '+i.shape;"
    "g.addEventListener('click',()=>show(i,g))})});\n"
    "</script></body></html>\n";

void hloc_dump_html(hloc_strbuf *b, const hloc_module *m) {
    hloc_strbuf_puts(b, page_head);
    const char *name = m->name ? m->name : "module";
    for (const char *s = name; *s; s++) {
        if (*s == '<') hloc_strbuf_puts(b, "&lt;");
        else if (*s == '&') hloc_strbuf_puts(b, "&amp;");
        else hloc_strbuf_putc(b, *s);
    }
    hloc_strbuf_puts(b, page_style);
    hloc_strbuf_puts(b, "{\"name\":");
    put_json_string(b, name);
    hloc_strbuf_puts(b, ",\"comps\":[");
    for (uint32_t k = 0; k < m->n_comps; k++) {
        const hloc_computation *c = m->comps[k];
        hloc_strbuf_printf(b, "%s{\"id\":%u,\"entry\":%s,\"root\":%u,\"name\":", k ? "," : "", c->id,
                           c->is_entry ? "true" : "false", c->root ? c->root->id : 0u);
        put_json_string(b, c->name);
        hloc_strbuf_puts(b, ",\"instrs\":[");
        bool first = true;
        for (uint32_t j = 0; j < c->n_instrs; j++) {
            if (c->instrs[j]->dead) continue;
            if (!first) hloc_strbuf_putc(b, ',');
            first = false;
            put_instr(b, c->instrs[j]);
        }
        hloc_strbuf_puts(b, "]}");
    }
    hloc_strbuf_puts(b, "]}");
    hloc_strbuf_puts(b, page_script);
}
