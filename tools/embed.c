/* Build helper: turns a text file into a C source defining `const char NAME[]` with its contents,
 * so the header generator carries include/hloc/abi.h verbatim instead of a second copy of it.
 * usage: hloc-embed INPUT OUTPUT.c NAME */
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s INPUT OUTPUT.c NAME\n", argv[0]);
        return 2;
    }
    FILE *in = fopen(argv[1], "rb"), *out = fopen(argv[2], "wb");
    if (!in || !out) {
        perror(in ? argv[2] : argv[1]);
        return 1;
    }
    fprintf(out, "/* generated from %s by hloc-embed */\nextern const char %s[];\nconst char %s[] = {",
            argv[1], argv[3], argv[3]);
    int c, n = 0;
    while ((c = fgetc(in)) != EOF) fprintf(out, "%s%d,", n++ % 20 ? "" : "\n    ", c);
    fprintf(out, "\n    0};\n");
    int bad = ferror(in) || ferror(out);
    fclose(in);
    if (fclose(out) != 0) bad = 1;
    return bad;
}
