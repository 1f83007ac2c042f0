"""The labeller's corrections after reading each query's pooled candidates: query text -> {ref: grade}.

A grade here replaces the one the query's rules proposed (0 removes a listing). Each entry was decided by
reading the listing; the reason is in a comment where it is not obvious.
"""
_REACTION_IR = {"uk-sta-610-flowir": 1}  # an in-line reaction monitor, not a material identification service

OVERRIDES: dict[str, dict[str, int]] = {
    "HPLC testing service for tablets, CMA report, in Jiangsu": {
        "zh-hplc-cpu-waters": 2, "zh-hplc-gmp-cro": 2},  # Jiangsu and pharma, but neither has CMA
    "天然气组分分析 热值": {
        "zh-gc-xju-oil": 3, "zh-ms-gas-cnpc": 2, "zh-gc-tianmei-ningbo": 2, "uk-sta-311-7890b": 2},
    "砷形态 无机砷 水产品": {"uk-sta-595-8900-icp-qqq": 3},  # offers speciation with HPLC
    "红外 测一下这是什么塑料": _REACTION_IR,
    "want to check what's in my plastic": _REACTION_IR,
    "FTIR ATR polymer identification": _REACTION_IR,
    "橡胶配方剖析": _REACTION_IR,
    "微塑料 鉴定 显微红外": {**_REACTION_IR, "uk-sta-413-is50---continuum": 3},  # an FT-IR microscope for microplastics
    "microplastics identification micro-FTIR": {**_REACTION_IR, "uk-sta-413-is50---continuum": 3},
    "thin film thickness optical constants ellipsometry": {"uk-sta-472-smartlab-9-kw": 2, "zh-xrd-cqu": 2},  # both offer XRR
    "脉冲顺磁 DEER 距离测量": {ref: 1 for ref in (  # continuous-wave only: no pulsed distance measurement
        "uk-sta-025-esp-300", "uk-sta-036-emx-10-12", "uk-sta-587-emxnano", "uk-sta-593-emxplus-q-band", "zh-epr-sxicc")},
    "球差电镜 单原子": {ref: 1 for ref in (  # without aberration correction single atoms are out of reach
        "uk-sta-449-jem-2011", "zh-en-tem-hku", "zh-tem-hainan", "zh-tem-jeol-gdut", "zh-tem-nwpu", "zh-tem-scu",
        "zh-tem-sdust", "zh-tem-zju")},
    "冷冻电镜 蛋白结构": {"uk-sta-175-micromax-007hf": 2},  # protein crystallography: another route to structure
    "EBSD 晶粒取向 织构": {"zh-xrd-cqu": 2},  # lists texture
    "FIB 切 TEM 样品": {"zh-tem-zju": 2},  # prepares bulk samples by FIB
    "单晶衍射 测晶体结构 绝对构型": {"uk-sta-175-micromax-007hf": 2},
    "small molecule single crystal structure": {"uk-sta-175-micromax-007hf": 2},
    "小角散射 SAXS": {"uk-sta-472-smartlab-9-kw": 3},  # lists SAXS
    "热膨胀系数 陶瓷": {"uk-sta-019-hdk-2-4": 2, "zh-xrd-hightemp-ysu": 2},  # thermal expansion by in-situ XRD
    "拉伸试验 塑料": {"zh-waterproof-bj": 1},  # waterproofing membranes only
    "tensile test metals ISO 6892 CMA": {"zh-waterproof-bj": 1},
    "复合材料 层间剪切": {"zh-waterproof-bj": 1},
    "纳米压痕 薄膜 模量": {"uk-sta-435-multimode-8": 2},  # quantitative nanomechanics (modulus)
    "纺织品 纤维成分 甲醛": {"zh-ftir-dhu": 2},  # fibre identification by IR
    "放射性 建材": {"uk-sta-480-cobra-ii-auto-gamma": 1},  # a radioimmunoassay counter, no spectrometry
    "快检试纸条 黄曲霉毒素 专利许可": {"tt-antibody-elisa": 2},  # an immunoassay kit for food, like the strip

    "technology licensing rapid pathogen detection": {  # pathogens, not toxins, residues or blood markers
        "tt-raman-sers": 1, "tt-mycotoxin-strip": 2, "tt-antibody-elisa": 1, "tt-en-microfluidic": 1},
    "固态电池 技术 成果转化": {"tt-cathode-material": 2, "tt-en-battery-recycling": 1},
    "lithium battery cathode technology transfer": {"tt-en-battery-recycling": 2, "tt-solid-electrolyte": 1},
    "point-of-care microfluidic licensing": {
        "tt-crispr-detect": 2, "tt-mycotoxin-strip": 1, "tt-antibody-elisa": 1, "tt-qpcr-pathogen": 1, "tt-raman-sers": 1},
    "拉曼 快检 专利": {"tt-antibody-elisa": 1, "tt-crispr-detect": 1, "tt-en-microfluidic": 1, "tt-mycotoxin-strip": 1,
                   "tt-qpcr-pathogen": 1},  # rapid tests, but not Raman
    "SERS pesticide detection chip licence": {"tt-en-portable-raman": 2, "tt-antibody-elisa": 1, "tt-crispr-detect": 1,
                                              "tt-en-microfluidic": 1, "tt-mycotoxin-strip": 1, "tt-qpcr-pathogen": 1},
    "色谱柱 国产化 技术": {"tt-chiral-column-dlut": 3, "tt-en-gc-detector": 1},  # a detector is not a column
    "TRL 7 以上 检测方法 可许可": {  # methods at TRL >= 7 exactly; kits at TRL >= 7 with a gap; the rest related
        "tt-nitrosamine-method": 3, "tt-tcm-fingerprint": 3, "tt-mycotoxin-strip": 2, "tt-antibody-elisa": 2,
        "tt-qpcr-pathogen": 2, "tt-microplastic-method": 1, "tt-battery-test-algo": 1, "tt-seed-nir": 1},
    "白酒企业，想分析基酒的风味物质，对比不同窖池，样品30个左右，在贵州或四川，GC-MS或者GC-IMS都可以，预算两万。": {
        "zh-gcms-scu-tq": 2},  # Sichuan is also named
    "我们合成了一批新化合物（约15个），需要测1H/13C核磁、高分辨质谱和元素分析，用于发表论文，最好两周内，在北京或天津。": {
        "zh-nmr-qau-hnu": 2},  # a metrology institute's qNMR, not routine characterisation
    "学校要采购一台场发射扫描电镜，预算350万以内，要求国产，能配能谱和EBSD，明年3月前到货，请厂家联系。": {
        "prod-sem-kyky-6900": 2, "prod-tabletop-sem-chinese": 2, "prod-sem-focus-navigator": 2},  # not FE / no EBSD / over budget
    "我们实验室想买一台国产气相色谱，主要测白酒中甲醇和杂醇油，配FID，预算10万左右，要求能上门培训。": {
        "prod-gc-portable-pgc": 1},  # a PID field GC, no FID

    "肽质量指纹 蛋白鉴定 质谱": {"uk-sta-199-qstar-xl": 3},  # a proteomics Q-TOF: protein identification

    "放射免疫 碘125 计数": {"zh-gamma-sinap": 1},  # a gamma spectrometer for building materials, not RIA

    "活细胞 增殖 迁移 培养箱内 自动拍照": {"uk-sta-598-ti2-e": 2},  # time-lapse imaging, no proliferation analysis

}
