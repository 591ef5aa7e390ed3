// Loads a scenario file into an in-memory store and prints what the store holds.
//   carecall-consumer SCENARIO.json

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <carecall/error.hpp>
#include <carecall/exchange.hpp>
#include <carecall/store.hpp>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: carecall-consumer SCENARIO.json\n";
        return 2;
    }
    std::ifstream in(argv[1], std::ios::binary);
    if (!in) {
        std::cerr << "carecall-consumer: cannot read " << argv[1] << "\n";
        return 66;
    }
    std::ostringstream text;
    text << in.rdbuf();
    try {
        auto scenario = carecall::parse_scenario(text.str());
        auto store = carecall::open_store("sqlite::memory:");
        carecall::import_scenario(*store, scenario);
        std::cout << "sites: " << store->sites().list().size() << "\n"
                  << "wards: " << store->wards().list().size() << "\n"
                  << "residents: " << store->residents().list().size() << "\n"
                  << "contacts: " << store->contacts().list().size() << "\n"
                  << "devices: " << store->devices().list().size() << "\n";
        return 0;
    } catch (const carecall::Error& e) {
        std::cerr << "carecall-consumer: error: " << e.what() << "\n";
        return static_cast<int>(e.exit_code());
    }
}
