# Self Ir per (source file, line) from a callgrind out file (positions: line).
import sys,re,collections
def parse(path):
    names={}
    def nm(v):
        m=re.match(r'\((\d+)\)(?:\s+(.*))?',v)
        if not m: return v
        if m.group(2) is not None: names[m.group(1)]=m.group(2)
        return names.get(m.group(1),v)
    cost=collections.Counter(); fl=cur=None; line=0; skip=False
    for raw in open(path):
        raw=raw.rstrip('\n')
        if not raw: continue
        k,_,v=raw.partition('=')
        if raw.startswith(('fl=','fi=','fe=')):
            f=nm(v)
            if k=='fl': fl=f
            cur=f; continue
        if raw.startswith('fn='): cur=fl; continue
        if raw.startswith(('cfn=','cfi=','cfl=','cob=','ob=')):
            if raw.startswith(('cfi=','cfl=')): nm(v)
            if raw.startswith('cfn='): nm(v)
            continue
        if raw.startswith('calls='): skip=True; continue
        c=raw[0]
        if c.isdigit() or c in '+-*':
            parts=raw.split()
            p=parts[0]
            if p=='*': pass
            elif p[0]=='+': line+=int(p[1:])
            elif p[0]=='-': line-=int(p[1:])
            else: line=int(p)
            ir=int(parts[1]) if len(parts)>1 else 0
            if skip: skip=False; continue
            cost[(cur,line)]+=ir
    return cost
c=parse(sys.argv[1]); pat=sys.argv[2]
src={}
tot=0
for (f,l),ir in sorted(c.items(), key=lambda x:(str(x[0][0]),x[0][1])):
    if f and re.search(pat,f):
        if f not in src:
            try: src[f]=open(f).read().split('\n')
            except: src[f]=[]
        s=src[f][l-1].strip() if 0<l<=len(src[f]) else '?'
        tot+=ir
        print(f'{ir:12,d} {f.split("/src/")[-1]}:{l}  {s[:90]}')
print(f'{tot:12,d} TOTAL for {pat}')
